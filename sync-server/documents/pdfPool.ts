/**
 * PDF rendering and stamping off the main thread (ARCHITECTURE "Heavy work"): a bounded pool of
 * worker threads (piscina) runs pdfWorker.ts, so that parsing or saving a 25 MB PDF never stalls
 * the loop that delivers edits to every socket.
 *
 * Bounds: RELAIS_PDF_WORKERS threads (default 1 on this 2-core target: the other core serves the
 * sockets), each with a V8 heap capped at RELAIS_PDF_WORKER_MB; at most RELAIS_PDF_QUEUE jobs
 * wait. Past that a job is refused at once with a French 503 rather than piling up in memory.
 * A worker that runs out of memory dies alone (the server stays up) and its job gets a 422.
 *
 * Workers start with the server and stay. They load TypeScript the way the server does:
 * `--import tsx` given explicitly to each worker, whether this process was started with it
 * (`npm start`), by the tsx CLI, or by vitest (which transforms TS itself and gives threads
 * nothing).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Piscina from 'piscina';
import { HttpError } from '../http/reply.ts';
import type { FichePdfInput, SignatureImage } from './fichePdf.ts';
import type { StampInput } from './stamp.ts';
import type { ExportIndexInput } from './exportIndexPdf.ts';
import type { PdfJob } from './pdfWorker.ts';

export interface PdfPoolOptions {
  /** Worker threads. */
  workers: number;
  /** Jobs that may wait for a worker. */
  queue: number;
  /** Each worker's V8 heap cap (old generation), in MiB. */
  memoryMb: number;
}

export const PDF_BUSY_MESSAGE = 'Le serveur prépare déjà trop de PDF : réessayez dans un instant.';
export const PDF_TOO_HEAVY_MESSAGE = 'Ce PDF est trop volumineux pour être traité par le serveur.';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export class PdfPool {
  private readonly pool: Piscina<PdfJob, Uint8Array>;

  constructor(options: PdfPoolOptions) {
    this.pool = new Piscina({
      filename: new URL('./pdfWorker.ts', import.meta.url).href,
      // Started with the server and kept: a worker's start (tsx, pdf-lib) takes 1–10 s on a busy
      // 2-core machine, too long for the first «Signer» after an idle spell to wait for it.
      minThreads: options.workers,
      maxThreads: options.workers,
      maxQueue: options.queue,
      execArgv: ['--import', tsxLoader],
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      // Jobs are whole PDFs: one at a time per thread.
      concurrentTasksPerWorker: 1,
      // Below the main thread's priority (Linux, via @napi-rs/nice): on a busy 2-core machine a
      // worker starting up or saving a big PDF otherwise takes CPU time from the loop that serves
      // the sockets (stalls of 100–180 ms measured while a worker started, under load).
      niceIncrement: 10,
    });
  }

  fiche(input: FichePdfInput): Promise<Uint8Array> {
    return this.run({ kind: 'fiche', input });
  }

  stamp(input: StampInput): Promise<Uint8Array> {
    return this.run({ kind: 'stamp', input });
  }

  imageToPdf(image: SignatureImage, title: string): Promise<Uint8Array> {
    return this.run({ kind: 'imageToPdf', image, title });
  }

  exportIndex(input: ExportIndexInput): Promise<Uint8Array> {
    return this.run({ kind: 'exportIndex', input });
  }

  /**
   * A refused job (queue full) or a worker killed by its memory cap is an HttpError with a French
   * message; what the job itself threw (a PDF pdf-lib cannot read) is rethrown as is, for the
   * route to word.
   */
  async run(job: PdfJob): Promise<Uint8Array> {
    try {
      return await this.pool.run(job);
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      const code = (error as { code?: unknown } | null)?.code;
      if (message === 'Task queue is at limit') throw new HttpError(503, 'pdf_busy', PDF_BUSY_MESSAGE);
      if (code === 'ERR_WORKER_OUT_OF_MEMORY') throw new HttpError(422, 'pdf_too_heavy', PDF_TOO_HEAVY_MESSAGE);
      throw error;
    }
  }

  /** Lets running jobs finish (a few seconds at most), then stops the threads. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
