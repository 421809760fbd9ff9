import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import {
  providerLimits,
  HeraldError,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { unusable, type ChannelProvider } from '../http/http-provider.js';
import { emailContent } from '../http/email-content.js';
import {
  describe,
  fromHeraldError,
  isTimeoutError,
  permanent,
  sent,
  summarize,
  transient,
} from '../outcomes.js';
import { DeadlineError, deadlineOutcome, withDeadline } from '../sdk-call.js';
import { tenantClients } from '../tenant-clients.js';

export interface SmtpCredentials {
  readonly host?: string;
  readonly port?: number;
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when offered. */
  readonly secure?: boolean;
  readonly user?: string;
  readonly pass?: string;
  readonly from?: string;
}

export interface SmtpProviderConfig extends SmtpCredentials {
  /** Domain of the `Message-ID` (`<notificationId@domain>`). Default: the `from` address's domain. */
  readonly messageIdDomain?: string;
  /** Time allowed for connect, greeting and each socket read. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Pooled connections per server. Default 5. */
  readonly maxConnections?: number;
  /** Refuse servers that do not offer STARTTLS. Default false. */
  readonly requireTls?: boolean;
  /** Largest message (subject + bodies), bytes. Default 25 MiB; the server's SIZE is enforced too. */
  readonly maxMessageBytes?: number;
  readonly tenants?: Readonly<Record<string, SmtpCredentials>>;
}

/**
 * SMTP through a pooled nodemailer transport. The `Message-ID` is
 * `<notificationId@domain>`, stable across retries, so receiving systems and
 * Herald's audit can match duplicates. 5xx replies are permanent, 4xx transient.
 *
 * @example
 * const smtp = createSmtpProvider({ host: 'smtp.acme.dev', port: 587, user, pass, from: 'alerts@acme.dev' });
 * await smtp.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createSmtpProvider(config: SmtpProviderConfig): ChannelProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const transports = tenantClients<SmtpCredentials, Transporter>(
    config,
    config.tenants,
    (settings, tenant) => {
      if (settings.host === undefined)
        throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
          'smtp',
          `host is required (tenant ${tenant})`,
        ]);
      return nodemailer.createTransport({
        pool: true,
        host: settings.host,
        port: settings.port ?? (settings.secure === true ? 465 : 587),
        secure: settings.secure ?? false,
        requireTLS: config.requireTls ?? false,
        maxConnections: config.maxConnections ?? 5,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        ...(settings.user === undefined
          ? {}
          : { auth: { user: settings.user, pass: settings.pass ?? '' } }),
      });
    },
    (transport) => transport.close(),
  );
  function transportFor(tenant: string): { transport: Transporter; settings: SmtpCredentials } {
    const { client, settings } = transports.get(tenant);
    return { transport: client, settings };
  }

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let mail: SendMailOptions;
    let transport: Transporter;
    try {
      const found = transportFor(job.tenant);
      transport = found.transport;
      const from = found.settings.from;
      if (from === undefined)
        throw unusable('smtp', `no "from" configured for tenant ${job.tenant}`);
      const { subject, html, text } = emailContent(
        'smtp',
        content,
        config.maxMessageBytes ?? providerLimits.smtpMessageBytes,
      );
      const domain =
        config.messageIdDomain ?? /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'herald.invalid';
      mail = {
        from,
        // One checked mailbox: a list, a CRLF or a second "@" never reaches the envelope.
        to: requireAddress('email', job.recipient.address),
        subject,
        ...(html === undefined ? {} : { html }),
        ...(text === undefined ? {} : { text }),
        messageId: `<${job.notificationId}@${domain}>`,
        headers: { 'X-Herald-Notification-Id': job.notificationId },
      };
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      throw err;
    }
    try {
      const info = await withDeadline(transport.sendMail(mail), timeoutMs, signal);
      return sent(summarize(250, String(info.response ?? ''), info.messageId));
    } catch (err) {
      return classifySmtpError(err, timeoutMs);
    }
  }

  return {
    name: 'smtp',
    channel: 'email',
    send,
    async healthCheck(signal) {
      try {
        const { transport } = transportFor('');
        await withDeadline(transport.verify(), timeoutMs, signal);
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: describe(err) };
      }
    },
    close: transports.close,
  };
}

function classifySmtpError(err: unknown, timeoutMs: number): DeliveryOutcome {
  if (err instanceof DeadlineError) return deadlineOutcome('smtp', err, timeoutMs, 'the server');
  const e = err as { responseCode?: number; code?: string; response?: string; message?: string };
  const code = e.responseCode;
  // The server's reply line, never the transport options (which hold the password).
  const response = summarize(code, e.response ?? e.message);
  if (typeof code === 'number' && code >= 500) return permanent('smtp', `SMTP ${code}`, response);
  if (typeof code === 'number' && code >= 400)
    return transient('smtp', `SMTP ${code}`, undefined, response);
  // nodemailer refusing the envelope or message itself (no valid recipient, bad header): the same job fails again.
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE')
    return permanent('smtp', `${e.code}: ${describe(err)}`, response);
  if (e.code === 'EAUTH')
    return permanent('smtp', 'authentication failed; check user and pass', response);
  return transient(
    'smtp',
    `${e.code ?? 'error'}: ${describe(err)}`,
    undefined,
    response,
    isTimeoutError(err) ? 'timeout' : undefined,
  );
}
