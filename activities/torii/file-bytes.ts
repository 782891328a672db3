// Moves a Torii file's bytes through one buffer each, reused: a part is written from its records'
// text and from other parts, and the staged file is read for its upload, without a new buffer per
// chunk or a string per batch. Written and read in fresh chunks, a file's bytes were garbage
// outside the heap until the GC next ran, and that set the worker's peak RSS after the listing
// (bench/torii-file.ts at 100,000 users: +25-29 MB over the build's start, up to +28 MB in the upload).
import { open, type FileHandle } from 'node:fs/promises';
import { FILE_MODE } from '../staged-files';

/**
 * Bytes per write to disk and per read of a file: one buffer of this size per writer or reader. At
 * 64 KB the upload cost the worker a read and a socket write per 64 KB (0.23 s of CPU for the
 * 100,000-user file, 0.43 s; ~5 s at 1,000,000 users with the worker's core busy); at 256 KB it is
 * 0.07 s and 0.26 s, the build ~0.15 s less, the RSS the same (bench/torii-file.ts).
 */
export const CHUNK_BYTES = 256 * 1024;

/** A file written from text and other files' bytes, through its one buffer; owner only from the first byte. */
export class FileWriter {
  /** Bytes written so far (the ones still in the buffer included). */
  bytes = 0;
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private filled = 0;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens `path` to write from its start (created or emptied) or to append to it; 0600 when created: the file holds a directory of people. */
  static async open(path: string, mode: 'create' | 'append'): Promise<FileWriter> {
    return new FileWriter(await open(path, mode === 'create' ? 'w' : 'a', FILE_MODE));
  }

  /** Appends `text` as UTF-8. */
  async write(text: string): Promise<void> {
    const length = Buffer.byteLength(text);
    if (this.filled + length > this.buffer.length) await this.flush();
    this.bytes += length;
    // Text longer than the buffer (a license's name, a caller's large piece) goes out on its own.
    if (length > this.buffer.length) await writeAll(this.handle, Buffer.from(text));
    else this.filled += this.buffer.write(text, this.filled);
  }

  /**
   * Appends `bytes` with every `from` byte among them written as `to`; answers how many were. Each
   * piece is copied into the buffer before it is flushed, never flushed after, so the last byte
   * written stays in the buffer until the next write (unwriteLast).
   */
  async writeReplacing(bytes: Buffer, from: number, to: number): Promise<number> {
    let replaced = 0;
    for (let at = 0; at < bytes.length; ) {
      if (this.filled === this.buffer.length) await this.flush();
      const copied = bytes.copy(this.buffer, this.filled, at, Math.min(bytes.length, at + this.buffer.length - this.filled));
      const piece = this.buffer.subarray(this.filled, this.filled + copied);
      for (let i = piece.indexOf(from); i !== -1; i = piece.indexOf(from, i + 1)) {
        piece[i] = to;
        replaced++;
      }
      this.filled += copied;
      this.bytes += copied;
      at += copied;
    }
    return replaced;
  }

  /** Takes back the last byte written if it is `byte` and still in the buffer; answers whether it did. */
  unwriteLast(byte: number): boolean {
    if (this.filled === 0 || this.buffer[this.filled - 1] !== byte) return false;
    this.filled--;
    this.bytes--;
    return true;
  }

  /** Appends every byte of the file at `path`, read into this writer's buffer. */
  async append(path: string): Promise<void> {
    const source = await open(path, 'r');
    try {
      for (;;) {
        if (this.filled === this.buffer.length) await this.flush();
        const { bytesRead } = await source.read(this.buffer, this.filled, this.buffer.length - this.filled, null);
        if (bytesRead === 0) return;
        this.filled += bytesRead;
        this.bytes += bytesRead;
      }
    } finally {
      await source.close();
    }
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }

  /** Closes the file without writing what is buffered: the caller removes the part. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    await writeAll(this.handle, this.buffer.subarray(0, this.filled));
    this.filled = 0;
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}

/**
 * The bytes of the open file `handle`, from its start, as views of one buffer: each view is valid
 * until the next is asked for, so the consumer must be done with a chunk before it takes the next
 * (got sends an iterable body a chunk at a time, taking the next once the socket has the last).
 */
export async function* fileChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
