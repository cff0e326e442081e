// The integration page (seed 000, step 1): what the integration does, and the Enrol button.
import type { Partner } from './config.ts';

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function integrationPage(partner: Partner): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Integrations: Gatehouse</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
  button { font: inherit; padding: .6rem 1.4rem; border: 0; border-radius: .4rem; background: #2563eb; color: white; cursor: pointer; }
  button[disabled] { opacity: .6; cursor: wait; }
  .signed-in { color: #52606d; font-size: .9rem; }
  #status { min-height: 1.5em; }
  .error { color: #b91c1c; }
</style>
</head>
<body>
<p class="signed-in">Signed in as ${escape(partner.firstName)} ${escape(partner.lastName)}, ${escape(partner.name)}</p>
<h1>Connect to Gatehouse</h1>
<p>Gatehouse is where your MSP manages the tools it uses with us. Enrolling creates your
organization there (the first time only), links it to your account here, and signs you in.</p>
<ul>
  <li>Your organization and its owner are created from your profile in this app.</li>
  <li>Your accounts and services here are shared with Gatehouse through the integration.</li>
  <li>Gatehouse opens in a new tab; this page stays where it is.</li>
</ul>
<p><button id="enrol" type="button">Enrol</button></p>
<p id="status" role="status"></p>
<script>
  const button = document.getElementById('enrol');
  const status = document.getElementById('status');
  button.addEventListener('click', async () => {
    // Open the tab inside the click, while the browser still counts it as the user's doing;
    // a window opened after the request returns would be caught by popup blockers.
    const tab = window.open('', '_blank');
    button.disabled = true;
    status.className = '';
    status.textContent = 'Enrolling...';
    try {
      const response = await fetch('/enrol', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message);
      if (tab) {
        tab.opener = null;
        tab.location.href = body.redirectUrl;
      } else {
        window.location.href = body.redirectUrl;
      }
      status.textContent = 'Enrolled: Gatehouse is open in a new tab.';
    } catch (error) {
      if (tab) tab.close();
      status.className = 'error';
      status.textContent = 'Enrolment failed: ' + error.message;
    } finally {
      button.disabled = false;
    }
  });
</script>
</body>
</html>
`;
}
