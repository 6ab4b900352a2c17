import { fileTypeFromBuffer } from 'file-type';
import type { Context } from 'koa';
import multer from 'multer';
import { sealImage } from '../db/image-crypto.ts';

export type Side = 'front' | 'back';
export const SIDES: readonly Side[] = ['front', 'back'];
const FIELD: Record<Side, string> = { front: 'idFront', back: 'idBack' };
const ALLOWED = new Set(['image/jpeg', 'image/png', 'image/gif']);

export interface UploadedImage {
  contentType: string;
  data: Buffer;
  size: number;
}

export interface ParsedUpload {
  images: Partial<Record<Side, UploadedImage>>;
  imageErrors: Partial<Record<Side, 'type' | 'size'>>;
}

/**
 * Parses the multipart application form. Text items come first in the page, so they are parsed
 * even when an oversized image stops the upload; the image type is decided by the file's content
 * (jpg, gif, png only), never by its name or the browser's claim.
 */
export function applicationUpload(maxBytes: number) {
  // A text item may be far longer than its own limit (a pasted remark of 100,000 characters) and
  // still be read, so that its message stands beside it and the other items are kept; past 512 KiB
  // an item stops the parse. At most 50 items (the form has about 40).
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 2, fields: 50, fieldSize: 512 * 1024, parts: 54 },
  }).fields(SIDES.map((side) => ({ name: FIELD[side], maxCount: 1 })));

  return async (ctx: Context): Promise<ParsedUpload> => {
    const req = ctx.req as typeof ctx.req & { body?: Record<string, unknown>; files?: Record<string, Express.Multer.File[]> };
    const error = await new Promise<unknown>((done) => parse(req as never, ctx.res as never, done));
    ctx.request.body = req.body ?? {};
    const result: ParsedUpload = { images: {}, imageErrors: {} };
    if (error) {
      const side = SIDES.find((s) => FIELD[s] === (error as multer.MulterError).field);
      if ((error as multer.MulterError).code !== 'LIMIT_FILE_SIZE' || !side) throw Object.assign(error as Error, { status: 400 });
      result.imageErrors[side] = 'size';
    }
    for (const side of SIDES) {
      const file = req.files?.[FIELD[side]]?.[0];
      if (!file || file.size === 0 || result.imageErrors[side]) continue;
      const type = await fileTypeFromBuffer(file.buffer);
      if (!type || !ALLOWED.has(type.mime)) result.imageErrors[side] = 'type';
      else result.images[side] = { contentType: type.mime, data: sealImage(file.buffer), size: file.size };
    }
    return result;
  };
}
