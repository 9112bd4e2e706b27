/**
 * The image components of the seed document ("TypeScript SDK Components" in
 * custom-components.md), `process_image` and `batch_process_images`, on types and validators that
 * stepflow-codegen generates from the JSON Schemas in `schemas/` (in `generated/`), instead of zod
 * schemas and `z.infer`. No `any`: inputs arrive as `unknown` and are checked by the generated
 * validators; operation parameters (any JSON object, as the seed's `z.record(z.any())`) are read
 * through `numberParam` / `stringParam`.
 *
 * Image work goes through `ImageLibrary` (sharp in the seed), so the logic runs without native
 * modules; `SimulatedImages` is an in-memory library for tests and demos.
 */

import type {
  BatchImageProcessOutput,
  BatchItemResult,
  ImageOperation,
  ImageProcessOutput,
  ImageSize,
  JsonValue,
  OutputFormat,
} from "./generated/index.js";
import {
  validateBatchImageProcessInput,
  validateImageProcessInput,
  isBatchImageProcessInput,
  isImageProcessInput,
} from "./generated/index.js";

/** An operation with its parameters read and defaulted as the seed does. */
export type Step =
  | {
      type: "resize";
      width: number | undefined;
      height: number | undefined;
      fit: string;
    }
  | {
      type: "crop";
      left: number;
      top: number;
      width: number | undefined;
      height: number | undefined;
    }
  | { type: "rotate"; degrees: number }
  | { type: "blur"; sigma: number }
  | { type: "sharpen"; sigma: number; flat: number; jagged: number };

/** What the components need from an image library. */
export interface ImageLibrary {
  /** The size of an image file. */
  metadata(path: string): Promise<ImageSize>;
  /** Applies `steps`, encodes as `format` at `quality`, writes `outputPath`; its size. */
  write(
    path: string,
    steps: readonly Step[],
    format: OutputFormat,
    quality: number,
    outputPath: string,
  ): Promise<ImageSize>;
  /** The file names in a directory. */
  list(directory: string): Promise<string[]>;
  /** Creates a directory and its parents. */
  mkdir(directory: string): Promise<void>;
}

/** The input broke its schema: one message per problem (a JSON pointer and what is wrong). */
export class InvalidInput extends Error {
  readonly problems: string[];

  constructor(component: string, problems: string[]) {
    super(`Invalid input for component ${component}: ${problems.join("; ")}`);
    this.name = "InvalidInput";
    this.problems = problems;
  }
}

type Parameters = { [key: string]: JsonValue };

/** A numeric parameter, or `undefined` when it is absent or not a number. */
export function numberParam(p: Parameters, key: string): number | undefined {
  const v = p[key];
  return typeof v === "number" ? v : undefined;
}

/** A string parameter, or `undefined` when it is absent or not a string. */
export function stringParam(p: Parameters, key: string): string | undefined {
  const v = p[key];
  return typeof v === "string" ? v : undefined;
}

/** The seed's reading of an operation (`parameters.x || default`: 0 also takes the default). */
export function toStep(op: ImageOperation): Step {
  const p = op.parameters;
  const or = (key: string, fallback: number): number =>
    numberParam(p, key) || fallback;
  switch (op.type) {
    case "resize":
      return {
        type: "resize",
        width: numberParam(p, "width"),
        height: numberParam(p, "height"),
        fit: stringParam(p, "fit") || "cover",
      };
    case "crop":
      return {
        type: "crop",
        left: or("left", 0),
        top: or("top", 0),
        width: numberParam(p, "width"),
        height: numberParam(p, "height"),
      };
    case "rotate":
      return { type: "rotate", degrees: or("degrees", 90) };
    case "blur":
      return { type: "blur", sigma: or("sigma", 1) };
    case "sharpen":
      return {
        type: "sharpen",
        sigma: or("sigma", 1),
        flat: or("flat", 1),
        jagged: or("jagged", 2),
      };
  }
}

/** How the seed reports an applied operation. */
export function describeStep(step: Step): string {
  switch (step.type) {
    case "resize":
    case "crop":
      return `${step.type}(${step.width}x${step.height})`;
    case "rotate":
      return `rotate(${step.degrees}°)`;
    case "blur":
      return `blur(${step.sigma})`;
    case "sharpen":
      return "sharpen";
  }
}

/** `photo.png` -> `photo_processed.webp`, as the seed names outputs. */
export function processedName(path: string, format: OutputFormat): string {
  return path.replace(/\.[^/.]+$/, `_processed.${format}`);
}

const IMAGE_FILE = /\.(jpg|jpeg|png|webp|tiff|bmp)$/i;

function message(error: unknown): string {
  return error instanceof Error ? error.message : "Unknown error";
}

/** The `process_image` component. Throws `InvalidInput` when `input` breaks its schema. */
export async function processImage(
  input: unknown,
  images: ImageLibrary,
): Promise<ImageProcessOutput> {
  if (!isImageProcessInput(input)) {
    throw new InvalidInput("process_image", validateImageProcessInput(input));
  }
  const startTime = Date.now();
  const format = input.output_format ?? "jpeg";
  const quality = input.quality ?? 85;
  try {
    const original = await images.metadata(input.image_path);
    const steps = input.operations.map(toStep);
    const outputPath = processedName(input.image_path, format);
    const processed = await images.write(
      input.image_path,
      steps,
      format,
      quality,
      outputPath,
    );
    return {
      success: true,
      output_path: outputPath,
      original_size: original,
      processed_size: processed,
      operations_applied: steps.map(describeStep),
      processing_time_ms: Date.now() - startTime,
    };
  } catch (error) {
    return {
      success: false,
      operations_applied: [],
      processing_time_ms: Date.now() - startTime,
      error_message: message(error),
    };
  }
}

/** The `batch_process_images` component. Throws `InvalidInput` when `input` breaks its schema. */
export async function batchProcessImages(
  input: unknown,
  images: ImageLibrary,
): Promise<BatchImageProcessOutput> {
  if (!isBatchImageProcessInput(input)) {
    throw new InvalidInput(
      "batch_process_images",
      validateBatchImageProcessInput(input),
    );
  }
  const startTime = Date.now();
  const format = input.output_format ?? "jpeg";
  const quality = input.quality ?? 85;
  const limit = input.parallel_limit ?? 3;
  const steps = input.operations.map(toStep);
  const join = (dir: string, name: string): string =>
    `${dir.replace(/\/+$/, "")}/${name}`;
  try {
    const imageFiles = (await images.list(input.image_directory)).filter(
      (file) => IMAGE_FILE.test(file),
    );
    await images.mkdir(input.output_directory);
    const results: BatchItemResult[] = [];
    for (let i = 0; i < imageFiles.length; i += limit) {
      const chunk = imageFiles.slice(i, i + limit);
      const done = await Promise.all(
        chunk.map(async (filename): Promise<BatchItemResult> => {
          const inputPath = join(input.image_directory, filename);
          const outputPath = join(
            input.output_directory,
            processedName(filename, format),
          );
          try {
            await images.write(inputPath, steps, format, quality, outputPath);
            return {
              input_path: inputPath,
              output_path: outputPath,
              success: true,
            };
          } catch (error) {
            return {
              input_path: inputPath,
              success: false,
              error_message: message(error),
            };
          }
        }),
      );
      results.push(...done);
    }
    const failed = results.filter((r) => !r.success).length;
    return {
      success: failed === 0,
      total_images: imageFiles.length,
      processed_images: results.length - failed,
      failed_images: failed,
      processing_time_ms: Date.now() - startTime,
      results,
    };
  } catch (error) {
    return {
      success: false,
      total_images: 0,
      processed_images: 0,
      failed_images: 0,
      processing_time_ms: Date.now() - startTime,
      results: [],
      error_message: message(error),
    };
  }
}

/**
 * An in-memory `ImageLibrary`: images are their sizes, operations change the dimensions as sharp
 * would (rotations by odd multiples of 90° swap them), and the encoded size follows the pixel
 * count and the quality.
 */
export class SimulatedImages implements ImageLibrary {
  readonly files = new Map<string, ImageSize>();
  readonly directories = new Set<string>();

  constructor(files: { [path: string]: ImageSize } = {}) {
    for (const [path, size] of Object.entries(files)) {
      this.files.set(path, size);
    }
  }

  metadata(path: string): Promise<ImageSize> {
    const size = this.files.get(path);
    return size === undefined
      ? Promise.reject(new Error(`Input file is missing: ${path}`))
      : Promise.resolve(size);
  }

  async write(
    path: string,
    steps: readonly Step[],
    format: OutputFormat,
    quality: number,
    outputPath: string,
  ): Promise<ImageSize> {
    let { width, height } = await this.metadata(path);
    for (const step of steps) {
      switch (step.type) {
        case "resize":
        case "crop":
          width = step.width ?? width;
          height = step.height ?? height;
          break;
        case "rotate":
          if (Math.abs(step.degrees % 180) === 90) {
            [width, height] = [height, width];
          }
          break;
        case "blur":
        case "sharpen":
          break;
      }
    }
    const bytesPerPixel = format === "png" ? 3 : quality / 100;
    const size = {
      width,
      height,
      fileSize: Math.round(width * height * bytesPerPixel),
    };
    this.files.set(outputPath, size);
    return size;
  }

  list(directory: string): Promise<string[]> {
    const prefix = directory.replace(/\/+$/, "") + "/";
    const names = [...this.files.keys()]
      .filter(
        (p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"),
      )
      .map((p) => p.slice(prefix.length));
    return names.length > 0 || this.directories.has(directory)
      ? Promise.resolve(names.sort())
      : Promise.reject(new Error(`ENOENT: no such directory '${directory}'`));
  }

  mkdir(directory: string): Promise<void> {
    this.directories.add(directory);
    return Promise.resolve();
  }
}
