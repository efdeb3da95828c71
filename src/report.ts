/**
 * The surface-neutral result of a command. Commands build reports; renderers
 * (Slack Block Kit, terminal, JSON) turn them into messages. A report never
 * knows which surface shows it.
 */

/** OK / WARN / FAIL are health verdicts; INFO is a plain answer with no verdict. */
export type Verdict = 'OK' | 'WARN' | 'FAIL' | 'INFO';

export interface Table {
  /** Shown above the table, e.g. "Bricks". */
  title: string;
  columns: string[];
  rows: string[][];
}

export interface Report {
  title: string;
  verdict: Verdict;
  /** Why the verdict is what it is, most important first; one line each. */
  reasons: string[];
  /** The first table is the report's main table (the one Slack shows as a table block). */
  tables: Table[];
  /** Free text lines after the tables (hints, next steps, what was cut). */
  notes: string[];
  /** Set when a durable job now owns this report's message and will update it to the end. */
  job?: { id: string; queue: 'migrate' | 'evacuate' | 'bootstrap' };
  /** The Slack user id of who asked: Slack shows it as a mention, the terminal as the plain id. */
  requestedBy?: string;
  /** The durable job this report is about (`migrate-1a2b3c4d`, `evac-3fa2b1c9`): shown as `job ID`, for `/ferry jobs` and `/migrate status`. */
  jobId?: string;
  /** Set when the report asks a second person to approve (Slack shows Approve / Reject buttons). */
  approval?: {
    id: string;
    expiresAt: string;
    /** The Slack user group asked to approve (policy.approverGroup), pinged where the request is posted. */
    approvers?: string;
    /** What approving does, repeated where the approver confirms: a title, a sentence, what it applies to (shown as room allows). */
    confirm?: { title: string; text: string; items?: string[] };
  };
  /** Slash lines offered as buttons (Slack); a press runs the line as the person who pressed, like typing it. */
  actions?: { label: string; line: string }[];
}

/** Builds a report with the defaults filled in. */
export function report(parts: Partial<Report> & { title: string }): Report {
  return { verdict: 'INFO', reasons: [], tables: [], notes: [], ...parts };
}

const rank: Record<Verdict, number> = { INFO: 0, OK: 1, WARN: 2, FAIL: 3 };

/** The worst of several verdicts (FAIL > WARN > OK > INFO). */
export function worst(...verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (rank[b] > rank[a] ? b : a), 'INFO');
}
