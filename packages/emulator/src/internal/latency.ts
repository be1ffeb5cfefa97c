/**
 * The latency model (`latency: "realistic"`). Assumptions, in emulated time (divided by
 * `timeScale` in real time): a REST Tier-1 call takes 150 ms, a Tier-2 call 300 ms, an app
 * export 1 s + 1 s per 50 MB of exported bytes, a download streams at 50 MB/s, opening an
 * app without data 300 ms (with data: + 1 s per 50 MB of data model), a QIX call 20 ms.
 */
export interface LatencyModel {
  tier1Ms: number;
  tier2Ms: number;
  exportBaseMs: number;
  exportMsPerMB: number;
  downloadBytesPerSecond: number;
  openAppMs: number;
  openAppMsPerDataMB: number;
  qixCallMs: number;
}

export const realisticLatency: LatencyModel = {
  tier1Ms: 150,
  tier2Ms: 300,
  exportBaseMs: 1000,
  exportMsPerMB: 1000 / 50,
  downloadBytesPerSecond: 50 * 1024 * 1024,
  openAppMs: 300,
  openAppMsPerDataMB: 1000 / 50,
  qixCallMs: 20,
};

export const noLatency: LatencyModel = {
  tier1Ms: 0,
  tier2Ms: 0,
  exportBaseMs: 0,
  exportMsPerMB: 0,
  downloadBytesPerSecond: Number.POSITIVE_INFINITY,
  openAppMs: 0,
  openAppMsPerDataMB: 0,
  qixCallMs: 0,
};
