/** For terminal surfaces: follow a job to its end, printing each progress report's first line. */
import type { Jobs, QueueName } from '../jobs/jobs.js';
import type { Report } from '../report.js';

/** Resolves with the job's final report; `onProgress` sees every progress report. */
export async function waitForJob(jobs: Jobs, queue: QueueName, jobId: string, onProgress: (r: Report) => void): Promise<Report> {
  const events = jobs.events(queue);
  await events.waitUntilReady();
  const listener = ({ jobId: id, data }: { jobId: string; data: unknown }) => {
    if (id === jobId && typeof data === 'object' && data !== null && 'title' in data) onProgress(data as Report);
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
