import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * Where the bin (bin.ts) keeps V8's code cache of the CLI, one file per
 * command ("role": run, worker, local-worker, …), each made as a process
 * of that command exits, so that it holds every function the command
 * compiled, not only the top-level code a cache made at compile time holds
 * (Node's own compile cache). A cache is bytecode V8 runs unchecked: it
 * lives only in a directory of this user's that no other user can write,
 * and its CRC-32 is checked before V8 sees it (V8 checks its length, and
 * aborts the process on a flipped byte). Anything else and there is no
 * cache, as there is none on a read or write error: a cache saves time
 * and never changes what runs.
 */
export interface CodeCache {
  /** the cache for this build, Node and flags; undefined if there is none */
  read(): Buffer | undefined;
  /** replaces the cache (through a temporary file, so a reader sees the old one or the new one whole) */
  write(data: Buffer): void;
}

export interface CodeCacheOptions {
  /** process.argv[2]: the command */
  command: string | undefined;
  /** what names the CLI's code: its build's hash, and the file's size and modification time */
  build: string;
  env: NodeJS.ProcessEnv;
  tmpdir: string;
  uid: number | undefined;
  /** what else V8 checks a cache against: Node's version, the platform, the flags */
  runtime: string;
}

/** A command's cache, or undefined where there may be none (NODE_DISABLE_COMPILE_CACHE, or no private directory). */
export function openCodeCache(o: CodeCacheOptions): CodeCache | undefined {
  const dir = codeCacheDir(o);
  if (!dir || !isPrivateDir(dir, o.uid)) return undefined;
  // one file per command and runtime, however many builds come and go: a new build's cache replaces the last
  const file = join(dir, `${roleOf(o.command)}-${fnv1a(o.runtime).toString(16)}.bin`);
  const key = `${o.build} ${o.runtime} `;
  return {
    read() {
      try {
        const stored = readFileSync(file);
        const end = stored.indexOf(10); // the header: the key, then the data's CRC-32, on one line
        if (end < 0 || stored.toString('latin1', 0, end - 8) !== key) return undefined;
        const data = stored.subarray(end + 1);
        return stored.toString('latin1', end - 8, end) === hex(crc32(data)) ? data : undefined;
      } catch {
        return undefined;
      }
    },
    write(data) {
      const temporary = `${file}.${process.pid}`;
      try {
        writeFileSync(temporary, Buffer.concat([Buffer.from(`${key}${hex(crc32(data))}\n`, 'latin1'), data]), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        rmSync(temporary, { force: true });
      }
    },
  };
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** NODE_COMPILE_CACHE's directory, as for Node's own cache; else one in the temporary directory, named for the user. */
export function codeCacheDir(o: Pick<CodeCacheOptions, 'env' | 'tmpdir' | 'uid'>): string | undefined {
  if (o.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  return o.env.NODE_COMPILE_CACHE ? join(o.env.NODE_COMPILE_CACHE, 'volley') : join(o.tmpdir, `volley-code-cache-${o.uid ?? 'user'}`);
}

/** The command a cache is named for: a bounded set of names (options and typos share one). */
export function roleOf(command: string | undefined): string {
  return command !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(command) ? command : 'cli';
}

/** Makes `dir` (mode 0700) if need be; whether it is a directory of this user's that no one else may write. */
export function isPrivateDir(dir: string, uid: number | undefined): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** FNV-1a, 32 bits: a file name's hash, without loading node:crypto (~5 ms of a start) for it. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
