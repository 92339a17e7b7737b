import { afterEach } from 'vitest';
import { tempDir } from './tmp';

/**
 * For the tests of the enclosing `describe`: a maker of fresh temp folders, each removed after the test that made it.
 */
export function tempDirsPerTest(prefix?: string): () => { path: string } {
  const made: ReturnType<typeof tempDir>[] = [];
  afterEach(() => made.splice(0).forEach((d) => d.cleanup()));
  return () => {
    const dir = tempDir(prefix);
    made.push(dir);
    return dir;
  };
}
