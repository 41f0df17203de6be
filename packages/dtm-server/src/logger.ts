// Structured JSON logs. Patient data never goes into a log line: no request or response bodies are
// logged, and error objects are reduced to their class and message (which we write ourselves).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'dtm-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    destination as pino.DestinationStream | undefined,
  );
}
