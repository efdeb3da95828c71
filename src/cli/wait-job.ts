/** For terminal surfaces: follow a job to its end, printing each progress report's first line. */
import type { Jobs, QueueName } from '../jobs/jobs.js';
import type { Report } from '../report.js';

/** Resolves with the job's final report; `onProgress` sees each progress report whose first line changed. */
export async function waitForJob(jobs: Jobs, queue: QueueName, jobId: string, onProgress: (r: Report) => void): Promise<Report> {
  const events = jobs.events(queue);
  await events.waitUntilReady();
  let last = '';
  const listener = ({ jobId: id, data }: { jobId: string; data: unknown }) => {
    if (id !== jobId || typeof data !== 'object' || data === null || !('title' in data)) return;
    const r = data as Report;
    const line = r.reasons[0] ?? r.title;
    if (line === last) return;
    last = line;
    onProgress(r);
  };
  events.on('progress', listener);
  try {
    const job = await jobs.queue(queue).getJob(jobId);
    if (!job) throw new Error(`job ${jobId} is not in Redis`);
    const result = (await job.waitUntilFinished(events)) as { report: Report };
    return result.report;
  } finally {
    events.off('progress', listener);
  }
}
