// The seed's TypeScript image components (custom-components.md, "TypeScript SDK Components")
// on the server generated from schemas/ (see README.md). This file is the author's: it is never
// generated or overwritten. The types, the input validation, the schemas reported to StepFlow
// and the whole JSON-RPC server come from generated/.
//
// No image library: an "image" is a tiny plain-text PGM file (P2: width, height, 0..255 grey
// levels), read and written with node:fs; the operations work on that pixel grid.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { StepflowContext } from "./generated/components.js";
import type {
  BatchImageProcessInput,
  BatchImageProcessOutput,
  BatchImageResult,
  ImageOperation,
  ImageProcessInput,
  ImageProcessOutput,
} from "./generated/component_types.js";
import type { JsonValue } from "./generated/types.js";

interface Grey {
  width: number;
  height: number;
  pixels: number[];
}

function parsePgm(text: string): Grey {
  const tokens = text
    .replace(/#[^\n]*/g, " ")
    .trim()
    .split(/\s+/);
  if (tokens[0] !== "P2") throw new Error("not a plain PGM (P2) image");
  const [width, height, max] = tokens.slice(1, 4).map(Number);
  const pixels = tokens.slice(4).map(Number);
  if (!width || !height || !max || pixels.length !== width * height)
    throw new Error("malformed PGM image");
  return {
    width,
    height,
    pixels: pixels.map((p) => Math.round((p * 255) / max)),
  };
}

function writePgm(img: Grey): string {
  const rows: string[] = [];
  for (let y = 0; y < img.height; y++)
    rows.push(img.pixels.slice(y * img.width, (y + 1) * img.width).join(" "));
  return `P2\n${img.width} ${img.height}\n255\n${rows.join("\n")}\n`;
}

function num(
  p: { [key: string]: JsonValue },
  key: string,
  fallback: number,
): number {
  const v = p[key];
  return typeof v === "number" ? v : fallback;
}

function at(img: Grey, x: number, y: number): number {
  const cx = Math.min(img.width - 1, Math.max(0, x));
  const cy = Math.min(img.height - 1, Math.max(0, y));
  return img.pixels[cy * img.width + cx] ?? 0;
}

function convolve(img: Grey, weight: (dx: number, dy: number) => number): Grey {
  const pixels: number[] = [];
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      let sum = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++)
          sum += weight(dx, dy) * at(img, x + dx, y + dy);
      pixels.push(Math.min(255, Math.max(0, Math.round(sum))));
    }
  }
  return { width: img.width, height: img.height, pixels };
}

/** Applies one operation; returns the new image and the seed's description of it. */
function apply(img: Grey, op: ImageOperation): [Grey, string] {
  const p = op.parameters;
  switch (op.type) {
    case "resize": {
      const w = num(p, "width", img.width);
      const h = num(p, "height", img.height);
      const pixels: number[] = [];
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          pixels.push(
            at(
              img,
              Math.floor((x * img.width) / w),
              Math.floor((y * img.height) / h),
            ),
          );
      return [{ width: w, height: h, pixels }, `resize(${w}x${h})`];
    }
    case "crop": {
      const left = num(p, "left", 0);
      const top = num(p, "top", 0);
      const w = num(p, "width", img.width - left);
      const h = num(p, "height", img.height - top);
      const pixels: number[] = [];
      for (let y = top; y < top + h; y++)
        for (let x = left; x < left + w; x++) pixels.push(at(img, x, y));
      return [{ width: w, height: h, pixels }, `crop(${w}x${h})`];
    }
    case "rotate": {
      const degrees = num(p, "degrees", 90);
      let out = img;
      for (
        let turn = 0;
        turn < ((Math.round(degrees / 90) % 4) + 4) % 4;
        turn++
      ) {
        const pixels: number[] = [];
        for (let y = 0; y < out.width; y++)
          for (let x = 0; x < out.height; x++)
            pixels.push(at(out, y, out.height - 1 - x));
        out = { width: out.height, height: out.width, pixels };
      }
      return [out, `rotate(${degrees}°)`];
    }
    case "blur": {
      const sigma = num(p, "sigma", 1);
      return [convolve(img, () => 1 / 9), `blur(${sigma})`];
    }
    case "sharpen":
      return [
        convolve(img, (dx, dy) =>
          dx === 0 && dy === 0 ? 5 : dx === 0 || dy === 0 ? -1 : 0,
        ),
        "sharpen",
      ];
  }
}

export async function process_image(
  input: ImageProcessInput,
  _context: StepflowContext,
): Promise<ImageProcessOutput> {
  const started = Date.now();
  try {
    const source = await readFile(input.image_path, "utf8");
    let img = parsePgm(source);
    const original = {
      width: img.width,
      height: img.height,
      fileSize: Buffer.byteLength(source),
    };
    const applied: string[] = [];
    for (const op of input.operations) {
      const [next, what] = apply(img, op);
      img = next;
      applied.push(what);
    }
    const format = input.output_format ?? "jpeg";
    const outputPath = input.image_path.replace(
      /\.[^/.]+$/,
      `_processed.${format}`,
    );
    const written = writePgm(img);
    await writeFile(outputPath, written);
    return {
      success: true,
      output_path: outputPath,
      original_size: original,
      processed_size: {
        width: img.width,
        height: img.height,
        fileSize: (await stat(outputPath)).size,
      },
      operations_applied: applied,
      processing_time_ms: Date.now() - started,
    };
  } catch (error) {
    return {
      success: false,
      operations_applied: [],
      processing_time_ms: Date.now() - started,
      error_message: error instanceof Error ? error.message : "Unknown error",
    };
  }
}

export async function batch_process_images(
  input: BatchImageProcessInput,
  context: StepflowContext,
): Promise<BatchImageProcessOutput> {
  const started = Date.now();
  try {
    const files = (await readdir(input.image_directory))
      .filter((f) => /\.(jpg|jpeg|png|webp|tiff|bmp|pgm)$/i.test(f))
      .sort();
    await mkdir(input.output_directory, { recursive: true });
    const results: BatchImageResult[] = [];
    const limit = Math.max(1, Math.floor(input.parallel_limit ?? 3));
    for (let i = 0; i < files.length; i += limit) {
      const chunk = files.slice(i, i + limit);
      results.push(
        ...(await Promise.all(
          chunk.map(async (name): Promise<BatchImageResult> => {
            const inputPath = join(input.image_directory, name);
            const one = await process_image(
              {
                image_path: inputPath,
                operations: input.operations,
                ...(input.output_format !== undefined
                  ? { output_format: input.output_format }
                  : {}),
                ...(input.quality !== undefined
                  ? { quality: input.quality }
                  : {}),
              },
              context,
            );
            if (!one.success || one.output_path === undefined) {
              return {
                input_path: inputPath,
                success: false,
                error_message: one.error_message ?? "failed",
              };
            }
            const outputPath = join(
              input.output_directory,
              basename(one.output_path),
            );
            await writeFile(outputPath, await readFile(one.output_path));
            return {
              input_path: inputPath,
              output_path: outputPath,
              success: true,
            };
          }),
        )),
      );
    }
    const processed = results.filter((r) => r.success).length;
    return {
      success: true,
      total_images: files.length,
      processed_images: processed,
      failed_images: files.length - processed,
      processing_time_ms: Date.now() - started,
      results,
    };
  } catch (error) {
    return {
      success: false,
      total_images: 0,
      processed_images: 0,
      failed_images: 0,
      processing_time_ms: Date.now() - started,
      results: [],
      error_message: error instanceof Error ? error.message : "Unknown error",
    };
  }
}
