import { ApiError } from '@google/genai';

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: { reason?: string }[] };
}

/** What the user can do about an error the Gemini API (or the emulator) answered with. */
function hintFor(status: number, reason: string | undefined, apiStatus: string | undefined): string {
  if (reason === 'API_KEY_INVALID' || status === 401 || status === 403 || apiStatus === 'PERMISSION_DENIED') {
    return 'check GEMINI_API_KEY / GOOGLE_API_KEY, or unset both to work offline with the local emulator';
  }
  if (status === 429) return 'quota or rate limit reached after retries; try again later, or submit smaller jobs (--max-requests-per-job)';
  if (status === 404) return 'check the model name (--model) and job names (gbi jobs list)';
  if (status >= 500) return 'the service failed after retries; run the same command again: finished work is kept';
  return '';
}

/** A one-line description of an API error: the SDK's message is the JSON body, which no one should have to read. */
export function describeApiError(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  let body: GoogleErrorBody = {};
  try {
    body = JSON.parse(error.message) as GoogleErrorBody;
  } catch {
    return `the Gemini API answered ${error.status}: ${error.message}`;
  }
  const detail = body.error;
  const reason = detail?.details?.find((item) => item.reason)?.reason;
  const hint = hintFor(error.status, reason, detail?.status);
  return `the Gemini API refused the request (${error.status} ${detail?.status ?? ''}): ${detail?.message ?? 'no message'}${hint ? `; ${hint}` : ''}`;
}
