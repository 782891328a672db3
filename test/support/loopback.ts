// Whether a port on loopback is taken, seen from outside: what a test asserts after it stops a
// server (the demo's, a throwaway PostgreSQL) that nothing answers there any more.
import { connect } from 'node:net';

/** Whether something on loopback accepts a TCP connection on `port` now. */
export function acceptsOnLoopback(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
