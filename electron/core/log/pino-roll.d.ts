// pino-roll ships no types; this is the part of its API the core uses. It resolves to a sonic-boom stream.
declare module 'pino-roll' {
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    extension?: string;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    mkdir?: boolean;
    sync?: boolean;
  }

  export interface RollingDestination {
    /** The file being written now. */
    readonly file: string;
    write(line: string): boolean;
    end(): void;
    on(event: 'error', listener: (error: Error) => void): unknown;
  }

  export default function roll(options: PinoRollOptions): Promise<RollingDestination>;
}
