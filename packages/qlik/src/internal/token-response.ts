/**
 * What the OAuth token endpoint answered, seen while `@qlik/api` fetches the token.
 *
 * `@qlik/api` 2.19 fetches `POST <host>/oauth/token` with the global `fetch` and keeps only
 * `access_token`, `refresh_token` and `errors` of the answer
 * (chunks/invoke-fetch-functions-*.js, `getOauthTokensWithCredentials`): the granted `scope`
 * (the spec's `oauth-token-response.scope`, "the scope of access that is being granted") and
 * the HTTP status never reach its caller, and its interceptors do not see this call (it
 * does not go through `invokeFetch`). So, without replacing `@qlik/api`'s oauth flow, the
 * connector looks at that one response on its way: `observeTokenResponse(fn)` runs `fn` (the
 * `auth.getAccessToken` call) in an `AsyncLocalStorage` context, and a pass-through wrapper
 * around the global `fetch`, installed once, hands a clone of any `POST …/oauth/token`
 * response made inside such a context to the observer. Outside those contexts the wrapper
 * only forwards the call; it never changes a request or a response.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface TokenResponse {
  status: number;
  /** The parsed JSON body (undefined when not JSON). */
  body?: Record<string, unknown>;
}

const context = new AsyncLocalStorage<{ seen?: Promise<TokenResponse> }>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch;
  const wrapped: typeof fetch = async (input, init) => {
    const store = context.getStore();
    const response = await original(input, init);
    if (store) {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
      if (method === "POST" && /\/oauth\/token(?:[?#]|$)/.test(url)) {
        const copy = response.clone();
        store.seen = copy
          .json()
          .then((body: unknown) => ({ status: copy.status, ...(body && typeof body === "object" && !Array.isArray(body) ? { body: body as Record<string, unknown> } : {}) }))
          .catch(() => ({ status: copy.status }));
      }
    }
    return response;
  };
  globalThis.fetch = wrapped;
}

/** Runs `fn` and returns its result with the last token-endpoint response fetched inside it. */
export async function observeTokenResponse<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; response?: TokenResponse }> {
  install();
  const store: { seen?: Promise<TokenResponse> } = {};
  try {
    const result = await context.run(store, fn);
    return { result, ...(store.seen ? { response: await store.seen } : {}) };
  } catch (error) {
    return { error, ...(store.seen ? { response: await store.seen } : {}) };
  }
}

/**
 * The scopes a token response granted. RFC 6749 §5.1: `scope` is "OPTIONAL, if identical to
 * the scope requested by the client; otherwise, REQUIRED" — so without it, what was asked.
 */
export function grantedScopes(response: TokenResponse | undefined, requested: string): string[] {
  const scope = response?.body?.scope;
  const text = typeof scope === "string" ? scope : requested;
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
