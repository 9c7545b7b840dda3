import { lstatSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolleyError } from '@volley/shared';

let made: Promise<string> | undefined;

/**
 * This process's own directory for the scenario modules it imports: a new
 * name each process (mkdtemp: not a path another local user can guess and
 * make first), mode 0700, checked to be ours and closed to others before
 * anything is written in it; removed when the process exits.
 */
export function privateTempDir(): Promise<string> {
  made ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'volley-'));
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `${dir} is not a private directory of this user (mode ${(st.mode & 0o777).toString(8)}, owner ${st.uid}); check TMPDIR`,
      );
    }
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  return made;
}
