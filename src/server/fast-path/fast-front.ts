// Takes each new connection of an http.Server before node:http does. While the connection sends
// plain GET/HEAD requests whose answers are already kept in memory, they are answered straight from
// the socket with prebuilt bytes; node:http's per-request objects are what cap a Node server well
// below nginx (bench/serve). At the first request that is anything else, the connection is handed
// to node:http for good, with the unread bytes put back, so node:http sees exactly what was sent.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { parseSimpleRequest, type SimpleRequest } from './simple-request.js';
import { KEEP_ALIVE_MS, wholeHead } from './wire-head.js';

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
  /** Ends the connections still on the fast path once what they were sent is written (for a shutdown). */
  endAll(): void;
}

export function answerFirst(server: Server, answer: FastAnswerer, answered: (status: number) => void): FastFront {
  const nodeHttp = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  /** Connections on the fast path, with the second of their last request (a coarse clock: no timer per request). */
  const sockets = new Map<Socket, number>();
  let tick = 0;
  // Idle keep-alive connections end after KEEP_ALIVE_MS, as on node:http; one still sending an answer is not idle.
  const sweep = setInterval(() => {
    tick += 1;
    for (const [socket, last] of sockets) {
      if (socket.writableLength > 0) sockets.set(socket, tick);
      else if ((tick - last - 1) * 1000 >= KEEP_ALIVE_MS) socket.destroy();
    }
  }, 1000).unref();

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, tick);
    const onError = () => socket.destroy();
    // node:http keeps sockets half-open; a client that is done sending gets its answers, then the end.
    const onEnd = () => socket.end();
    const onData = (chunk: Buffer) => {
      sockets.set(socket, tick);
      const text = chunk.toString('latin1');
      let at = 0;
      while (at < text.length) {
        const request = parseSimpleRequest(text, at);
        if (typeof request === 'string') break;
        const reply = answer(request);
        if (!reply) break;
        // One write per answer: node's writev costs far more than copying a small answer into one buffer.
        const head = wholeHead(reply.head, request.close);
        const body = request.method === 'GET' ? reply.body : undefined;
        if (!body) socket.write(head);
        else if (body.length > COPY_LIMIT) {
          socket.cork();
          socket.write(head);
          socket.write(body);
          socket.uncork();
        } else socket.write(Buffer.concat([head, body]));
        answered(reply.status);
        at += request.length;
        if (request.close) {
          leave();
          socket.end();
          return;
        }
      }
      if (at < text.length) return handOff(chunk.subarray(at));
      // Bodies are shared buffers, so queued answers cost little; still, read no more until they are out.
      if (socket.writableNeedDrain) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    };
    const leave = () => {
      sockets.delete(socket);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const handOff = (unread: Buffer) => {
      leave();
      socket.pause();
      socket.unshift(unread);
      for (const listener of nodeHttp) listener.call(server, socket);
      socket.resume();
    };
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('data', onData);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    endAll() {
      clearInterval(sweep);
      for (const socket of sockets.keys()) socket.end();
      sockets.clear();
    },
  };
}
