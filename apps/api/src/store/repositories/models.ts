/** EmbeddingModel rows: one per set of weights (name + version). */
import { EarshotError } from '../../errors.js';
import { first, int, qb, type Db } from '../query.js';

export interface ModelIdentity {
  name: string;
  version: string;
  dim: number;
  featureMode: string;
}

/**
 * The EmbeddingModel row for this identity (created on first use). Same name + version with a
 * different dimension or feature mode is refused: it would mix incompatible vectors.
 */
export async function ensureModel(db: Db, identity: ModelIdentity): Promise<{ id: number }> {
  await first(
    db,
    qb
      .insertInto('EmbeddingModel')
      .values({ name: identity.name, version: identity.version, dim: int(identity.dim), featureMode: identity.featureMode })
      .onConflict((oc) => oc.columns(['name', 'version']).doNothing()),
  );
  const row = await first(db, qb.selectFrom('EmbeddingModel').select(['id', 'dim', 'featureMode']).where('name', '=', identity.name).where('version', '=', identity.version));
  if (!row) throw new EarshotError('INTERNAL', `EmbeddingModel ${identity.name}@${identity.version} vanished after insert`);
  if (row.dim !== identity.dim || row.featureMode !== identity.featureMode) {
    throw new EarshotError(
      'MODEL_MISMATCH',
      `model ${identity.name}@${identity.version} is stored with dim ${row.dim}/${row.featureMode}, not ${identity.dim}/${identity.featureMode}`,
      { subject: `${identity.name}@${identity.version}` },
    );
  }
  return { id: row.id };
}

/** Name and version of a stored model, or null. */
export async function modelById(db: Db, id: number): Promise<{ name: string; version: string } | null> {
  return (await first(db, qb.selectFrom('EmbeddingModel').select(['name', 'version']).where('id', '=', id))) ?? null;
}
