// Part of the dashboard's script: logging in and out. The API token is sent once, to
// POST /_opus/session, which answers with an HttpOnly cookie: no script ever keeps the token.
// Plain browser JavaScript kept as a string (no backticks, no "${"); it runs after script.ts's
// part, whose helpers ($, REQUEST_HEADER, refresh) it uses.

export const SESSION_SCRIPT = String.raw`
function showLogin(needed) {
  $('#auth').hidden = false;
  $('#auth-reason').textContent = needed ? 'This needs the API token.' : 'Log in with the API token to see private projects and make changes.';
}
async function session(path, body) {
  const response = await fetch('/_opus/' + path, { method: 'POST', headers: Object.assign({ 'Content-Type': 'application/json' }, REQUEST_HEADER), body: JSON.stringify(body || {}), credentials: 'same-origin' });
  return response.ok;
}
async function showSession() {
  const response = await fetch('/_opus/session', { headers: REQUEST_HEADER, credentials: 'same-origin' }).catch(() => null);
  const loggedIn = !!(response && response.ok && (await response.json()).loggedIn);
  $('#login').hidden = loggedIn;
  $('#logout').hidden = !loggedIn;
}
async function logIn(token) {
  const ok = await session('session', { token: token });
  $('#auth-error').textContent = ok ? '' : 'That is not this server\'s API token.';
  if (ok) $('#auth').hidden = true;
  await showSession();
  refresh();
}
$('#auth-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#token');
  const token = input.value.trim();
  input.value = '';
  logIn(token);
});
$('#login').addEventListener('click', () => showLogin(false));
$('#logout').addEventListener('click', async () => { await session('logout'); await showSession(); refresh(); });
`;
