/**
 * Local TCP servers that are not PostgreSQL, for connect-timeout tests that need no network: one
 * accepts and never answers, one accepts and closes at once, one answers HTTP and closes (what this
 * machine's route to 10.255.255.1 does). Each counts the connections still open, so a test can
 * check that a failed open left none behind.
 */
import { type Server, type Socket, createServer } from 'node:net';

export type SilentKind = 'never answers' | 'closes at once' | 'answers HTTP and closes';

export interface SilentServer {
  readonly kind: SilentKind;
  readonly port: number;
  readonly url: string;
  /** Connections accepted and still open on the server's side. */
  open(): number;
  /** Connections accepted in all. */
  accepted(): number;
  close(): Promise<void>;
}

export async function silentServer(kind: SilentKind): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // Read (and drop) what the client sends: a paused socket never sees the client's FIN, and would
    // count as open after the client closed it.
    socket.resume();
    if (kind === 'closes at once') socket.end();
    if (kind === 'answers HTTP and closes')
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    kind,
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/orion`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const SILENT_KINDS: readonly SilentKind[] = [
  'never answers',
  'closes at once',
  'answers HTTP and closes',
];
