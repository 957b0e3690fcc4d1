/** Value mappings that several schema modules' resolvers share. */

/** The schema's enum value of a lower-case domain status ('active' → 'ACTIVE'), typed so a status the schema lacks fails the typecheck. */
export const upper = <S extends string>(s: S) => s.toUpperCase() as Uppercase<S>;
