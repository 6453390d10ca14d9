import { invalidRequest } from '../../../errors/gateway-error.js';

/** `1024x1024` as numbers; `auto` or absent gives undefined (the model's default). */
export function parseSize(size: string | undefined): { width: number; height: number } | undefined {
  if (size === undefined || size === 'auto') return undefined;
  const m = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  if (!m) throw invalidRequest(`size must look like 1024x1024 (got '${size}')`, 'size');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Nova Canvas: each side 320-4096 and a multiple of 16, aspect ratio within 1:4..4:1, at most 4,194,304 pixels. */
export function checkNovaCanvasSize(width: number, height: number): void {
  const why =
    width < 320 || width > 4096 || height < 320 || height > 4096
      ? 'each side must be 320-4096 pixels'
      : width % 16 !== 0 || height % 16 !== 0
        ? 'each side must be a multiple of 16'
        : Math.max(width, height) > 4 * Math.min(width, height)
          ? 'the aspect ratio must be between 1:4 and 4:1'
          : width * height > 4_194_304
            ? 'the image may have at most 4,194,304 pixels'
            : undefined;
  if (why) throw invalidRequest(`size ${width}x${height} is not supported by Nova Canvas: ${why}`, 'size');
}

/** The fixed sizes Titan Image Generator v1 and v2 accept. */
const TITAN_SIZES = new Set([
  '1024x1024',
  '768x768',
  '512x512',
  '768x1152',
  '384x576',
  '1152x768',
  '576x384',
  '768x1280',
  '384x640',
  '1280x768',
  '640x384',
  '896x1152',
  '448x576',
  '1152x896',
  '576x448',
  '768x1408',
  '384x704',
  '1408x768',
  '704x384',
  '640x1408',
  '320x704',
  '1408x640',
  '704x320',
  '1152x640',
  '1173x640',
]);

export function checkTitanSize(width: number, height: number): void {
  if (!TITAN_SIZES.has(`${width}x${height}`)) {
    throw invalidRequest(
      `size ${width}x${height} is not supported by Titan Image Generator; use one of ${[...TITAN_SIZES].join(', ')}`,
      'size',
    );
  }
}

/** Stability AI's aspect ratios on Bedrock. */
export const STABILITY_ASPECTS = ['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21'] as const;

/** The Stability aspect ratio a size reduces to exactly, or a 400 naming the choices. */
export function stabilityAspect(width: number, height: number): string {
  const g = gcd(width, height);
  const ratio = `${width / g}:${height / g}`;
  if ((STABILITY_ASPECTS as readonly string[]).includes(ratio)) return ratio;
  throw invalidRequest(
    `size ${width}x${height} (aspect ${ratio}) is not supported by Stability models, which take an aspect ratio: use a size with one of ${STABILITY_ASPECTS.join(', ')} (e.g. 1024x1024, 1536x1024) or aspect_ratio`,
    'size',
  );
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
