// Takes each new connection of an http.Server before node:http does. While the connection sends
// plain GET/HEAD requests whose answers are already kept in memory, they are answered straight from
// the socket with prebuilt bytes; node:http's per-request objects are what cap a Node server well
// below nginx (bench/serve). At the first request that is anything else, the connection is handed
// to node:http for good, with the unread bytes put back, so node:http sees exactly what was sent.
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { RepeatedHead, type AnswerStamp } from './repeated-head.js';
import { parseSimpleRequest, type SimpleRequest } from './simple-request.js';
import { headSecond, KEEP_ALIVE_MS, wholeAnswer, wholeHead } from './wire-head.js';

/** Bodies up to this size are copied behind the head, so each answer is one write. */
const COPY_LIMIT = 16 * 1024;

export interface FastAnswer {
  status: number;
  /** Status line and header lines, without Date, Connection and the blank line. */
  head: Buffer;
  body?: Buffer;
}

/** The answer to a plain request when it is known without any I/O; undefined leaves it to node:http. */
export type FastAnswerer = (request: SimpleRequest) => FastAnswer | undefined;

export interface FastFront {
  /** From now on every answer says Connection: close and ends its connection (a shutdown's drain). */
  drain(): void;
  /** Stops the idle sweep and ends the connections still on the fast path once their answers are out. */
  endAll(): void;
  /** Destroys every connection the fast path still holds (the end of a shutdown's grace time). */
  destroyAll(): void;
}

interface Connection {
  /** The sweep's tick of the last request. */
  last: number;
  answered: boolean;
  /** The start of a request head that has not all come yet, and the tick it began. */
  partial?: { bytes: Buffer; since: number };
  /** Reading is paused while the answer of its next request is worked out (see FastFrontOptions.warm). */
  warming?: boolean;
  /** The client ended its side while warming. */
  ended?: boolean;
  handOff(unread: Buffer): void;
}

/** An http.Server, or a TLS server whose decrypted connections come as 'secureConnection'. */
export type ConnectionServer = EventEmitter & { keepAliveTimeout?: number };

export interface FastFrontOptions {
  /** 'secureConnection' on a TLS server (default 'connection'). */
  event?: 'connection' | 'secureConnection';
  /** Connections node handles from the start (HTTP/2 by ALPN). */
  bypass?: (socket: Socket) => boolean;
  /** With it, a request repeated byte for byte on a connection gets its last answer again while the stamp holds. */
  stamp?: AnswerStamp;
  /** Makes the answer of a plain request kept, when it can be; undefined when it cannot (the connection then goes to node:http). */
  warm?: (request: SimpleRequest) => Promise<void> | undefined;
}

export function answerFirst(server: ConnectionServer, answer: FastAnswerer, answered: (status: number) => void, options: FastFrontOptions = {}): FastFront {
  const event = options.event ?? 'connection';
  const nodeHttp = server.listeners(event) as ((socket: Socket) => void)[];
  server.removeAllListeners(event);
  // The Keep-Alive header the fast path writes says 5 s; node:http must mean the same.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  /** Connections on the fast path, swept once a second (a coarse clock: no timer per request). */
  const onFastPath = new Map<Socket, Connection>();
  /** Everything accepted and not handed to node:http, until it closes: for a shutdown. */
  const held = new Set<Socket>();
  let tick = 0;
  let draining = false;
  const sweep = setInterval(() => {
    tick += 1;
    for (const [socket, connection] of onFastPath) {
      // A head that takes this long to arrive is node:http's to time out (headersTimeout), as it would have been.
      if (connection.partial && (tick - connection.partial.since - 1) * 1000 >= KEEP_ALIVE_MS) connection.handOff(connection.partial.bytes);
      else if (connection.partial || connection.warming || socket.writableLength > 0) connection.last = tick;
      else if ((tick - connection.last - 1) * 1000 < KEEP_ALIVE_MS) continue;
      // Idle after an answer: closed, as node:http does after keepAliveTimeout. Never asked
      // anything (a browser's preconnect): node:http's own timeouts decide, as they would have.
      else if (connection.answered) socket.destroy();
      else connection.handOff(Buffer.alloc(0));
    }
  }, 1000).unref();

  server.on(event, (socket: Socket) => {
    if (options.bypass?.(socket)) {
      for (const listener of nodeHttp) listener.call(server, socket);
      return;
    }
    held.add(socket);
    socket.once('close', () => {
      held.delete(socket);
      onFastPath.delete(socket);
    });
    const onError = () => socket.destroy();
    // node:http keeps sockets half-open; a client that is done sending gets its answers, then the end.
    // One that ends while its first request is being warmed gets that answer first.
    const onEnd = () => (connection.warming ? (connection.ended = true) : close());
    const onData = (read: Buffer) => {
      connection.last = tick;
      const { partial } = connection;
      const again = !partial && !draining && repeated?.find(read, Math.floor(Date.now() / 1000));
      if (again) {
        socket.write(again.wire);
        answered(again.status);
        if (socket.writableNeedDrain) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
        return;
      }
      connection.partial = undefined;
      serveFrom(partial ? Buffer.concat([partial.bytes, read]) : read, partial?.since ?? tick, true);
    };
    /** Answers the requests `chunk` holds while they are plain and kept; `since` is the tick its first head began. */
    const serveFrom = (chunk: Buffer, since: number, mayWarm: boolean): void => {
      const stamped = repeated && options.stamp?.();
      const text = chunk.toString('latin1');
      let at = 0;
      while (at < text.length) {
        const request = parseSimpleRequest(text, at);
        // A head split across reads (a large one, over a real network): wait for the rest.
        if (request === 'incomplete') {
          connection.partial = { bytes: Buffer.from(chunk.subarray(at)), since };
          return;
        }
        if (request === 'other') break;
        const reply = answer(request);
        if (!reply) {
          const warming = mayWarm && !draining ? options.warm?.(request) : undefined;
          if (warming) return warmThenServe(warming, chunk.subarray(at), since);
          break;
        }
        // One write per answer: node's writev costs far more than copying a small answer into one buffer.
        const last = request.close || draining;
        const head = wholeHead(reply.head, last);
        const body = request.method === 'GET' ? reply.body : undefined;
        // With a body: one prebuilt buffer per answer and second (not per request), as the node:net floor writes.
        const whole = !body ? head : last ? undefined : wholeAnswer(head, body);
        if (whole) socket.write(whole);
        else if ((body as Buffer).length <= COPY_LIMIT) socket.write(Buffer.concat([head, body as Buffer]));
        else {
          // Past this second's copy budget, or ending the connection: head and body corked.
          socket.cork();
          socket.write(head);
          socket.write(body as Buffer);
          socket.uncork();
        }
        if (repeated && stamped !== undefined) {
          if (whole && !last && at === 0 && request.length === chunk.length) repeated.keep(chunk, headSecond(), stamped, { wire: whole, status: reply.status });
          else repeated.forget();
        }
        answered(reply.status);
        connection.answered = true;
        at += request.length;
        if (last) return close();
        // A client that sends much and reads nothing: read no more until its answers are out.
        if (socket.writableNeedDrain && at < text.length) {
          socket.pause();
          socket.unshift(chunk.subarray(at));
          socket.once('drain', () => socket.resume());
          return;
        }
      }
      if (at < text.length) return handOff(chunk.subarray(at));
      if (socket.writableNeedDrain) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };
    /**
     * A plain request whose answer is not kept yet (the first after a start or a deploy): read no
     * more until it is, then go on on the fast path. Once only: if it is still not kept, node:http
     * gets the connection as it would have at once.
     */
    const warmThenServe = (warming: Promise<void>, unread: Buffer, since: number): void => {
      socket.pause();
      connection.warming = true;
      void warming.then(() => true, () => false).then((warmed) => {
        connection.warming = false;
        if (socket.destroyed || !onFastPath.has(socket)) return;
        if (!warmed) return handOff(unread);
        connection.last = tick;
        // Flowing again from the next tick on: what serveFrom does now (a pause for drain, a hand-off) still holds.
        socket.resume();
        serveFrom(unread, since, false);
        if (connection.ended && onFastPath.has(socket)) close();
      });
    };
    /** Ends after the last answer is written, then destroys: no half-open socket is left behind. */
    const close = () => {
      onFastPath.delete(socket);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.end(() => socket.destroy());
    };
    const handOff = (unread: Buffer) => {
      onFastPath.delete(socket);
      held.delete(socket);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.pause();
      if (unread.length) socket.unshift(unread);
      for (const listener of nodeHttp) listener.call(server, socket);
      socket.resume();
    };
    const connection: Connection = { last: tick, answered: false, handOff };
    const repeated = options.stamp && new RepeatedHead(options.stamp);
    onFastPath.set(socket, connection);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('data', onData);
  });

  return {
    drain() {
      draining = true;
    },
    endAll() {
      clearInterval(sweep);
      for (const socket of onFastPath.keys()) socket.end(() => socket.destroy());
      onFastPath.clear();
    },
    destroyAll() {
      for (const socket of held) socket.destroy();
    },
  };
}
