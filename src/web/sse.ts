import type { RequestHandler, Response } from 'express';
import type { MessageStore, StoredMessage } from '../messages/store.js';
import type { Translate } from '../i18n/index.js';
import { toApiMessage } from './message-json.js';
import { toMessageRow } from './message-row.js';

export interface MessageStreamOptions {
  /** Concurrent live streams this instance serves; more get 503 (each holds a socket). */
  maxClients?: number;
  /** Comment lines keep proxies and browsers from timing out an idle stream. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued in its socket) is cut off rather than buffered forever. */
  maxBufferedBytes?: number;
}

export const DEFAULT_SSE_MAX_CLIENTS = 50;
export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for the live Consume page: one `message` event per consumed message (the
 * same JSON as GET /api/messages), a `reset` event when the buffer is emptied by a group switch,
 * and a comment every heartbeat. With `?rows=1` (the Consume page) each message comes instead as
 * a `row` event: the MessageRow the page itself is rendered from, in the caller's language, so
 * the page's script only fills its row template. Listeners are attached per client and removed
 * on disconnect.
 */
export class MessageStream {
  private readonly clients = new Set<Response>();
  private readonly maxClients: number;
  private readonly heartbeatMs: number;
  private readonly maxBufferedBytes: number;
  private closed = false;

  constructor(
    private readonly store: MessageStore,
    opts: MessageStreamOptions = {},
  ) {
    this.maxClients = opts.maxClients ?? DEFAULT_SSE_MAX_CLIENTS;
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    // Two listeners per client; past Node's default of 10 it would warn about a leak.
    store.setMaxListeners(Math.max(store.getMaxListeners(), this.maxClients * 2 + 10));
  }

  get size(): number {
    return this.clients.size;
  }

  handler(): RequestHandler {
    return (req, res) => {
      if (this.closed) {
        res.status(503).set('Retry-After', '5').json({ error: 'shutting down' });
        return;
      }
      if (this.clients.size >= this.maxClients) {
        res.status(503).set('Retry-After', '10').json({ error: 'too many live streams', limit: this.maxClients });
        return;
      }
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        // Reverse proxies (nginx) would otherwise buffer the stream.
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 3000\n\n');
      this.clients.add(res);

      const send = (chunk: string) => {
        if (res.writableEnded) return;
        if (res.writableLength > this.maxBufferedBytes) {
          res.end();
          return;
        }
        res.write(chunk);
      };
      const t: Translate = res.locals.t;
      const onMessage =
        req.query.rows === '1'
          ? (m: StoredMessage) => send(`event: row\ndata: ${JSON.stringify(toMessageRow(m, t))}\n\n`)
          : (m: StoredMessage) => send(`event: message\ndata: ${JSON.stringify(toApiMessage(m))}\n\n`);
      const onReset = () => send('event: reset\ndata: {}\n\n');
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), this.heartbeatMs);
      this.store.on('message', onMessage);
      this.store.on('reset', onReset);

      const cleanup = () => {
        clearInterval(heartbeat);
        this.store.off('message', onMessage);
        this.store.off('reset', onReset);
        this.clients.delete(res);
      };
      req.on('close', cleanup);
      res.on('close', cleanup);
    };
  }

  /** Ends every stream (shutdown), so open connections do not hold the server open. */
  closeAll(): void {
    this.closed = true;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
