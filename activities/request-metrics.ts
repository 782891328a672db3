// Counts every PingOne and Torii answer by HTTP status (`network` when none came) and every 429, at
// the one HTTP client both go through, so no request path can forget to. PingOne's requests are the
// ones carrying `x-ping-external-transaction-id` (our token and API code set it on every call);
// everything else is Torii's (its API and its presigned upload storage).
import type { Got, Options } from 'got';
import type { SyncMetrics } from '../contract/metrics';

type System = 'pingone' | 'torii';

function systemOf(options: Options | undefined): System {
  return options?.headers?.['x-ping-external-transaction-id'] !== undefined ? 'pingone' : 'torii';
}

export function countingRequests(http: Got, metrics: SyncMetrics): Got {
  const record = (system: System, status: string) => {
    (system === 'pingone' ? metrics.pingOneRequests : metrics.toriiRequests).add(1, { status });
    if (status === '429') metrics.rateLimited.add(1, { system });
  };
  return http.extend({
    hooks: {
      afterResponse: [
        (response) => {
          record(systemOf(response.request.options), String(response.statusCode));
          return response;
        },
      ],
      beforeError: [
        (error) => {
          // An answer that arrived and then broke (a cut body) was counted with its status already.
          if (!error.response) record(systemOf(error.options), 'network');
          return error;
        },
      ],
    },
  });
}
