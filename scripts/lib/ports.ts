import net from 'node:net';

/**
 * A loopback port that was free a moment ago, for settings that cannot take 0 (a fixed embedded
 * broker address shared by instances, Kafka's listeners). Another process may take it before the
 * caller binds it; callers that can, bind port 0 instead.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, host, resolve);
  });
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
