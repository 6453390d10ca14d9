/**
 * Bedrock model identifiers: bare ids (`cohere.rerank-v3-5:0`) and ARNs
 * (`arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0`), docs/protocols.md §2.2 and §4.8.
 */

/** The botocore pattern for Rerank's `modelArn` (also accepts bare model ids). */
export const RERANK_MODEL_ARN_RE =
  /^(arn:aws(-[^:]+)?:(bedrock|sagemaker):[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+\/)?)?([a-z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(\/[a-z0-9]{1,12})?$/;

const ARN_RE = /^arn:(aws[a-z-]*):(bedrock|sagemaker):([a-z0-9-]*):(\d{12})?:(.+)$/;

export interface ParsedModelArn {
  readonly partition: string;
  readonly region: string;
  readonly account?: string;
  /** `foundation-model/cohere.rerank-v3-5:0` */
  readonly resource: string;
  /** The id after the resource type: `cohere.rerank-v3-5:0`. */
  readonly modelId: string;
}

export function parseModelArn(arn: string): ParsedModelArn | undefined {
  const m = ARN_RE.exec(arn);
  if (!m) return undefined;
  const resource = m[5];
  return { partition: m[1], region: m[3], account: m[4] || undefined, resource, modelId: resource.slice(resource.indexOf('/') + 1) };
}

/** The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A bare id becomes the foundation-model ARN in the provider's region; an ARN is kept. */
export function foundationModelArn(modelOrArn: string, region: string): string {
  if (modelOrArn.startsWith('arn:')) return modelOrArn;
  return `arn:${partitionOf(region)}:bedrock:${region}::foundation-model/${modelOrArn}`;
}

/** The model id inside an ARN, or the id itself. */
export const bareModelId = (modelOrArn: string): string => parseModelArn(modelOrArn)?.modelId ?? modelOrArn;
