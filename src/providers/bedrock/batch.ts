import { invalidRequest } from '../../errors/gateway-error.js';
import type { BatchCapability, ObjectStorageCalls } from '../types.js';
import { createJob, getJob, parseCreateJob, parseJob, parseManifest, stopJob } from './batch-jobs.js';
import { batchRecordLine, readOutputRecord } from './batch-records.js';
import * as s3 from './s3.js';

const storage: ObjectStorageCalls = {
  put: s3.putObject,
  get: s3.getObject,
  delete: s3.deleteObject,
  createMultipart: s3.createMultipartUpload,
  parseUploadId: s3.parseUploadId,
  uploadPart: s3.uploadPart,
  parseETag: s3.parseETag,
  completeMultipart: s3.completeMultipartUpload,
  abortMultipart: s3.abortMultipartUpload,
  list: s3.listObjects,
  parseList: s3.parseListObjects,
};

/**
 * Batch inference on Bedrock model invocation jobs, files kept in S3 under `storageUri`,
 * jobs run as `roleArn` (the service role Bedrock assumes to read and write that bucket).
 */
export function bedrockBatch(storageUri: string, roleArn: string): BatchCapability {
  const location = s3.parseS3Uri(storageUri);
  if (!location) throw invalidRequest(`batch_s3_uri must be s3://bucket/prefix (got '${storageUri}')`);
  return {
    bucket: location.bucket,
    prefix: location.key.replace(/\/+$/, ''),
    uriOf: s3.s3Uri,
    storage,
    recordLine: (index, request, target) => batchRecordLine(index, request, target.model),
    readOutput: (doc, target, requestOf) => readOutputRecord(doc as Record<string, any>, target.model, requestOf),
    createJob: (input) => {
      if (!s3.parseS3Uri(input.inputUri)) throw invalidRequest(`not an S3 URI: ${input.inputUri}`);
      return createJob({ ...input, roleArn });
    },
    parseCreateJob,
    getJob,
    parseJob,
    stopJob,
    isRecordsOutput: (key) => key.endsWith('.jsonl.out'),
    isManifest: (key) => key.endsWith('manifest.json.out'),
    parseManifest,
  };
}
