// The server's word on a token, as the console's wall screen (screen-api.js)
// and the grid worker's app (m/net.js) both read it; it imports nothing, so
// both can load it (the phone's service worker keeps it with the app's own
// files).

/**
 * tokenInvalid tells whether res refuses the token sent with it (sent: the
 * token, or empty): a 401 whose challenge says the token is invalid (RFC
 * 6750: revoked, expired, unknown), not merely missing. A proxy on the way
 * asking for its own sign-in must not wipe a phone's or an unattended
 * wall's token.
 */
export const tokenInvalid = (res, sent) => res.status === 401 && !!sent && /invalid_token/.test(res.headers.get('WWW-Authenticate') ?? '');
