// The page the real-browser test loads: the row as a host would embed it, nothing else. `?base=`
// points it at another mount (the test's fixture router, which answers any state on demand).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HubSpotIntegrationRow } from '../index.js';

const base = new URLSearchParams(window.location.search).get('base') ?? '/integrations/hubspot';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main style={{ maxWidth: 880, margin: '32px auto', fontFamily: 'system-ui, sans-serif' }}>
      <h2>Integrations</h2>
      <HubSpotIntegrationRow baseUrl={base} pollIntervalMs={500} />
    </main>
  </StrictMode>,
);
