import {
  common,
  defined,
  emailFrom,
  requireFields,
  type BuildContext,
} from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createResendProvider } from './resend-provider.js';

/** The Resend provider from HERALD_RESEND_* and the tenants' `resend` sections. */
export function buildResend(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('resend');
  const shared = {
    apiKey: reader.secret('HERALD_RESEND_API_KEY'),
    from: emailFrom(context, env.HERALD_RESEND_FROM),
  };
  requireFields(
    context,
    'resend',
    {
      apiKey: ['HERALD_RESEND_API_KEY', shared.apiKey],
      from: ['HERALD_RESEND_FROM or HERALD_EMAIL_FROM', shared.from],
    },
    tenants,
  );
  return createResendProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ apiUrl: env.HERALD_RESEND_API_URL }),
    tenants,
  });
}
