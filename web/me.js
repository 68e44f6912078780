// Who a token stands for (GET /v1/me), shared by edit mode's token check
// (edit-token.js) and the upload panel (import.js): both want it when a
// token is set, and the server is asked once per token and page.

const asked = new Map(); // token → the answer's promise

/**
 * whoami resolves to what the server says of tok: { status: 'valid', me },
 * { status: 'refused', detail, problem } for a token it refuses (401: the
 * problem says why, refusal.js), or
 * { status: 'unchecked', detail } when it could not say (no answer, a 5xx);
 * an unchecked answer is asked again next time.
 */
export function whoami(api, tok) {
  if (!asked.has(tok)) {
    const answer = ask(api, tok);
    asked.set(tok, answer);
    answer.then((r) => { if (r.status === 'unchecked') asked.delete(tok); });
  }
  return asked.get(tok);
}

async function ask(api, tok) {
  try {
    const res = await fetch(api('v1/me'), { headers: { Accept: 'application/json', Authorization: `Bearer ${tok}` }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (res.ok && body) return { status: 'valid', me: body };
    const detail = body?.detail ?? `HTTP ${res.status}`;
    return res.status === 401 ? { status: 'refused', detail, problem: body ?? {} } : { status: 'unchecked', detail };
  } catch (err) {
    return { status: 'unchecked', detail: err.message };
  }
}
