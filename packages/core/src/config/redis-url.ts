/** A Redis Cluster as REDIS_URL names it: seed nodes, TLS, credentials. */
export interface RedisClusterUrl {
  readonly nodes: { host: string; port: number }[];
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//;

/**
 * The seed nodes of a `redis+cluster://[user:password@]host:port,host:port` URL
 * (`rediss+cluster://` for TLS), or undefined for a plain `redis://` URL.
 */
export function redisClusterNodes(url: string): RedisClusterUrl | undefined {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) return undefined;
  let rest = url.slice(scheme[0].length).replace(/\/.*$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth) || undefined;
    password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
  }
  const nodes = rest
    .split(',')
    .filter(Boolean)
    .map((hostPort) => {
      const colon = hostPort.lastIndexOf(':');
      return { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
    });
  return {
    nodes,
    tls: scheme[1] === 'rediss',
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}
