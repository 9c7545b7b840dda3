/**
 * `arr.map(cb)` where `cb` makes requests: the sync-call rewrite turns it
 * into `await __k6each(arr, 'map', cb)`, which calls the callback one
 * element at a time and waits for each, so the results are what k6 gives
 * (not Promises, which a `filter` would count as true). A receiver that is
 * not an array (a Map's forEach, a script's own `map` method) is called as
 * written and its answer awaited.
 */
type Cb = (value: any, index: number, array: any) => unknown;

export async function k6each(recv: any, method: string, cb: Cb, ...rest: unknown[]): Promise<unknown> {
  const native = Array.isArray(recv) || ArrayBuffer.isView(recv) ? (Array.prototype as any)[method] : undefined;
  if (!native || recv[method] !== (Object.getPrototypeOf(recv) as any)[method]) {
    if (recv instanceof Map || recv instanceof Set) {
      if (method !== 'forEach') return (recv as any)[method](cb, ...rest);
      for (const [k, v] of recv.entries()) await cb.call(rest[0], v, k, recv);
      return undefined;
    }
    return await recv[method](cb, ...rest);
  }
  const thisArg = rest[0];
  const arr = recv as unknown[];
  const n = arr.length;
  const call = (i: number): Promise<unknown> => Promise.resolve(cb.call(thisArg, arr[i], i, arr));
  switch (method) {
    case 'forEach':
      for (let i = 0; i < n; i++) if (i in arr) await call(i);
      return undefined;
    case 'map': {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) if (i in arr) out[i] = await call(i);
      return out;
    }
    case 'flatMap': {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++)
        if (i in arr) {
          const v = await call(i);
          if (Array.isArray(v)) out.push(...v);
          else out.push(v);
        }
      return out;
    }
    case 'filter': {
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) if (i in arr && (await call(i))) out.push(arr[i]);
      return out;
    }
    case 'some':
      for (let i = 0; i < n; i++) if (i in arr && (await call(i))) return true;
      return false;
    case 'every':
      for (let i = 0; i < n; i++) if (i in arr && !(await call(i))) return false;
      return true;
    case 'find':
      for (let i = 0; i < n; i++) if (await call(i)) return arr[i];
      return undefined;
    case 'findIndex':
      for (let i = 0; i < n; i++) if (await call(i)) return i;
      return -1;
    case 'findLast':
      for (let i = n - 1; i >= 0; i--) if (await call(i)) return arr[i];
      return undefined;
    case 'findLastIndex':
      for (let i = n - 1; i >= 0; i--) if (await call(i)) return i;
      return -1;
    case 'reduce':
    case 'reduceRight': {
      const right = method === 'reduceRight';
      let i = right ? n - 1 : 0;
      const step = right ? -1 : 1;
      let acc: unknown;
      if (rest.length > 0) acc = rest[0];
      else {
        while (i >= 0 && i < n && !(i in arr)) i += step;
        if (i < 0 || i >= n) throw new TypeError('Reduce of empty array with no initial value');
        acc = arr[i];
        i += step;
      }
      for (; i >= 0 && i < n; i += step) if (i in arr) acc = await (cb as any)(acc, arr[i], i, arr);
      return acc;
    }
    default:
      return await recv[method](cb, ...rest);
  }
}
