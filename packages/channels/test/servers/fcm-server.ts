import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { header, startFakeHttpServer, type FakeServer, type Reply } from './fake-http-server.js';

export const FCM_HOST = 'fcm.googleapis.com';

/** The FCM fake plus an agent that pins firebase-admin's connections to it. */
export interface FcmServer extends FakeServer {
  /** An https.Agent trusting the fake's certificate and connecting every request to it. */
  readonly agent: Agent;
}

/**
 * FCM HTTP v1 over TLS as fcm.googleapis.com: POST /v1/projects/{p}/messages:send
 * with a Bearer token; errors are google.rpc.Status with an FcmError detail.
 * firebase-admin's host is fixed, so the test reaches it through an agent that
 * connects to 127.0.0.1 and verifies a throwaway certificate made with openssl.
 */
export async function startFcmServer(projectId: string, accessToken: string): Promise<FcmServer> {
  const { key, cert } = selfSignedCertificate(FCM_HOST);
  const error = (
    status: number,
    rpc: string,
    message: string,
    fcm?: string,
    headers: Record<string, string> = {},
  ): Reply => ({
    status,
    headers,
    body: {
      error: {
        code: status,
        message,
        status: rpc,
        ...(fcm === undefined
          ? {}
          : {
              details: [
                { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: fcm },
              ],
            }),
      },
    },
  });
  const server = await startFakeHttpServer(
    (req, scenario) => {
      if (scenario === 'hang') return 'hang';
      // Google's OAuth token endpoint (oauth2.googleapis.com/token), reached through the
      // same agent: a service account key is exchanged for the access token.
      if (req.path === '/token') {
        const form = new URLSearchParams(req.body);
        if (
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
          (form.get('assertion') ?? '').split('.').length !== 3
        )
          return {
            status: 400,
            body: { error: 'invalid_grant', error_description: 'Invalid JWT' },
          };
        return {
          status: 200,
          body: { access_token: accessToken, expires_in: 3600, token_type: 'Bearer' },
        };
      }
      if (header(req, 'authorization') !== `Bearer ${accessToken}`)
        return error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      if (req.path !== `/v1/projects/${projectId}/messages:send`)
        return error(404, 'NOT_FOUND', 'Requested entity was not found.');
      const { message } = JSON.parse(req.body) as { message?: { token?: string } };
      if (scenario === 'permanent')
        return error(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
      if (scenario === 'transient')
        return error(500, 'INTERNAL', 'Internal error encountered.', 'INTERNAL');
      if (scenario === 'rate-limited')
        return error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', 'QUOTA_EXCEEDED', {
          'retry-after': '7',
        });
      if (!message?.token)
        return error(400, 'INVALID_ARGUMENT', 'Invalid registration token', 'INVALID_ARGUMENT');
      return { status: 200, body: { name: `projects/${projectId}/messages/0:1712345678%abc` } };
    },
    { key, cert },
  );
  const port = Number(new URL(server.url).port);
  const agent = new Agent({ keepAlive: true, ca: cert });
  // Same TLS checks as production (servername, CA), only the socket goes to the fake.
  (agent as unknown as { createConnection: unknown }).createConnection = (
    options: Record<string, unknown>,
  ) => connect({ ...options, host: '127.0.0.1', port, servername: FCM_HOST, ca: cert });
  return {
    ...server,
    agent,
    close: async () => {
      agent.destroy();
      await server.close();
    },
  };
}

/** A throwaway certificate for `host` (`san` defaults to the DNS name; `IP:127.0.0.1` for an address). */
export function selfSignedCertificate(
  host: string,
  san = `DNS:${host}`,
): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herald-fcm-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${host}`,
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
