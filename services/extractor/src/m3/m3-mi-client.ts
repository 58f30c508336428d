import { type MiRecord, miRecords } from './mi-response.ts';

/** The one ION call the M3 adapter needs: GET a path under the tenant API base and return the JSON body. */
export interface IonGetJson {
  getJson(path: string, query: Record<string, string>): Promise<unknown>;
}

export interface MiCallOptions {
  /** Records per call; MI reads 0 as "all", which is never wanted for deltas. */
  maxrecs: number;
  returncols?: readonly string[];
}

export interface M3MiClient {
  execute(
    program: string,
    transaction: string,
    inputs: Record<string, string>,
    options: MiCallOptions,
  ): Promise<MiRecord[]>;
}

/** MI over REST v2 (`M3/m3api-rest/v2/execute/{PROGRAM}/{TRANSACTION}`), with the tenant's company/division. */
export function createM3MiClient(ion: IonGetJson, session: { company?: string; division?: string } = {}): M3MiClient {
  return {
    async execute(program, transaction, inputs, options) {
      const query: Record<string, string> = {
        ...inputs,
        maxrecs: String(options.maxrecs),
        dateformat: 'YMD8',
        excludeempty: 'false',
        righttrim: 'true',
      };
      if (options.returncols !== undefined && options.returncols.length > 0)
        query.returncols = options.returncols.join(',');
      if (session.company !== undefined) query.cono = session.company;
      if (session.division !== undefined) query.divi = session.division;
      const body = await ion.getJson(`M3/m3api-rest/v2/execute/${program}/${transaction}`, query);
      return miRecords(body, `${program}/${transaction}`);
    },
  };
}
