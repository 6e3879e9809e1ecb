// The page the real-browser test loads: the row as a host would embed it, nothing else.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { HubSpotIntegrationRow } from '../index.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main style={{ maxWidth: 880, margin: '32px auto', fontFamily: 'system-ui, sans-serif' }}>
      <h2>Integrations</h2>
      <HubSpotIntegrationRow baseUrl="/integrations/hubspot" pollIntervalMs={500} />
    </main>
  </StrictMode>,
);
