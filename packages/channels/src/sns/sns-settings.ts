import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** SNS SMS types: Transactional (OTPs, alerts; best delivery) or Promotional (cheapest). */
export const snsSmsTypes = ['Transactional', 'Promotional'] as const;

/** The Amazon SNS (SMS) provider's part of `channelsEnv()`. */
export const snsEnv = () => ({
  HERALD_SNS_REGION: z.string().optional(),
  HERALD_SNS_ACCESS_KEY_ID: secret(),
  HERALD_SNS_ACCESS_KEY_ID_FILE: secretFile(),
  HERALD_SNS_SECRET_ACCESS_KEY: secret(),
  HERALD_SNS_SECRET_ACCESS_KEY_FILE: secretFile(),
  HERALD_SNS_SESSION_TOKEN: secret(),
  HERALD_SNS_SESSION_TOKEN_FILE: secretFile(),
  /** `AWS.SNS.SMS.SMSType` of every message. */
  HERALD_SNS_SMS_TYPE: z
    .enum(snsSmsTypes, { message: `expected ${snsSmsTypes.join(' or ')}` })
    .default('Transactional'),
  /** `AWS.SNS.SMS.SenderID`: 1–11 letters and digits, where the destination country allows it. */
  HERALD_SNS_SENDER_ID: z
    .string()
    .regex(/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/, {
      message: 'expected 1 to 11 letters and digits, at least one a letter',
    })
    .optional(),
  /** Endpoint override (VPC endpoint, local test server). */
  HERALD_SNS_ENDPOINT: url('https://sns.eu-west-1.amazonaws.com'),
});

/** A tenant's `sns` section of HERALD_CHANNEL_TENANTS_FILE. */
export const snsTenantSection = z
  .strictObject({
    region: tenantText,
    accessKeyId: tenantText,
    secretAccessKey: tenantText,
    sessionToken: tenantText,
    smsType: z.enum(snsSmsTypes),
    senderId: tenantText,
  })
  .partial();
