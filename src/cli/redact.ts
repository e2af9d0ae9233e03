/** Replaces any of the given secrets in a message; an API key must never reach output or logs. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) if (secret && secret.length >= 8) result = result.split(secret).join('[redacted]');
  return result;
}
