import { z } from 'zod';
import { Secret } from './secret.js';

/**
 * A credential setting. Never validated here: `parseEnv` quotes a refused value in
 * its error, so credentials are only wrapped (see {@link Secret}) and checked by
 * the provider's builder, whose messages never quote them.
 */
export const secret = () =>
  z
    .string()
    .transform((value) => new Secret(value))
    .optional();

/** A path to a file holding the credential (a mounted Kubernetes Secret, Docker secret). */
export const secretFile = () => z.string().optional();

export const url = (example: string) =>
  z.url({ message: `expected an http(s) URL, e.g. ${example}` }).optional();

/** A non-empty string of the tenants file (HERALD_CHANNEL_TENANTS_FILE). */
export const tenantText = z.string().min(1);
