// Apart from connect.ts, which loads postgres: the CLI's failure report needs these without it.

/**
 * How long the program waits on the database before it says so: a server that does not answer, a statement that
 * hangs (a lock never released) and a connection left idle (a pool of a long-running serve) each end. A failed
 * connection is tried again after at most `reconnectSeconds`: a page asked for while the database is down is
 * answered at once, and the first one after it is back finds it.
 */
export const TIMEOUTS = { connectSeconds: 5, idleSeconds: 60, statementMs: 60_000, idleInTransactionMs: 60_000, reconnectSeconds: 1 };

export const codeOf = (error: unknown): string => (error instanceof Error && 'code' in error ? String(error.code) : '');

/** Codes of a database that went away or would not answer in time, after the command had connected. */
export const LOST: Record<string, string> = {
  CONNECTION_CLOSED: 'the connection to the database closed',
  CONNECTION_DESTROYED: 'the connection to the database was cut',
  CONNECTION_ENDED: 'the connection to the database ended',
  ECONNRESET: 'the connection to the database was reset',
  EPIPE: 'the connection to the database was reset',
  ECONNREFUSED: 'the database stopped accepting connections',
  ETIMEDOUT: 'the database stopped answering',
  '57P01': 'the database server was shut down',
  '57P02': 'the database server crashed',
  '57P03': 'the database server is starting up or shutting down',
  '57014': `a statement ran longer than ${TIMEOUTS.statementMs / 1000} seconds and was cancelled`,
  '25P03': 'a transaction was left idle too long and ended by the server',
};

/**
 * The sentence for a database lost in the middle of a command, or null for any other failure. Every store commits
 * each step before it returns, so what was done stands and a run again carries on from it.
 */
export function lostDatabaseSentence(error: unknown): string | null {
  const reason = LOST[codeOf(error)];
  return reason
    ? `The command stopped: ${reason}; what it finished is recorded, and running it again once the database answers does the rest.`
    : null;
}
