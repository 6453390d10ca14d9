import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './style.css';

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // An auth error will not fix itself by retrying.
      retry: (count, err) =>
        count < 1 && !(err && typeof err === 'object' && 'status' in err && [400, 401, 403, 404].includes(err.status as number)),
      refetchOnWindowFocus: false,
      staleTime: 15_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
