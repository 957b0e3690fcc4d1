/**
 * Universal Category System file names: `CatID_FXName_CreatorID_SourceID` (optionally `CatID-UserCategory_…`),
 * where the CatID is a category abbreviation in capitals followed by a capitalised subcategory abbreviation
 * (AMBForst, DOORWood, WATRFlow, UIBeep). Only the top-level categories are expanded here (the full CatID
 * spreadsheet is not bundled): a subcategory is kept as the file writes it unless an embedded tag (iXML
 * CATEGORY/SUBCATEGORY, as Soundminer and BWF MetaEdit write them) names it.
 */
import type { EmbeddedTags } from '../audio/index.js';

/** Top-level UCS categories by CatID prefix (category names of UCS v8, universalcategorysystem.com). */
export const UCS_CATEGORIES: Record<string, string> = {
  AERO: 'AIRCRAFT',
  AIR: 'AIR',
  AMB: 'AMBIENCE',
  ANML: 'ANIMALS',
  BEEP: 'BEEPS',
  BELL: 'BELLS',
  BIRD: 'BIRDS',
  BLLT: 'BULLETS',
  BOAT: 'BOATS',
  CERM: 'CERAMICS',
  CHAIN: 'CHAINS',
  CHEM: 'CHEMICALS',
  CLOCK: 'CLOCKS',
  CLOTH: 'CLOTH',
  COMM: 'COMMUNICATIONS',
  COMP: 'COMPUTERS',
  CREA: 'CREATURES',
  CRWD: 'CROWDS',
  DEST: 'DESTRUCTION',
  DIRT: 'DIRT & SAND',
  DOOR: 'DOORS',
  DRWR: 'DRAWERS',
  DSGN: 'DESIGNED',
  ELEC: 'ELECTRICITY',
  EQUIP: 'EQUIPMENT',
  EXPL: 'EXPLOSIONS',
  FART: 'FARTS',
  FEET: 'FOOTSTEPS',
  FGHT: 'FIGHT',
  FIRE: 'FIRE',
  FIREWRK: 'FIREWORKS',
  FOLY: 'FOLEY',
  FOOD: 'FOOD & DRINK',
  GAME: 'GAMES',
  GEOT: 'GEOTHERMAL',
  GLAS: 'GLASS',
  GORE: 'GORE',
  GUN: 'GUNS',
  HMN: 'HUMAN',
  HORN: 'HORNS',
  ICE: 'ICE',
  LASR: 'LASERS',
  LIQ: 'LIQUID & MUD',
  MACH: 'MACHINES',
  MAGC: 'MAGIC',
  MECH: 'MECHANICAL',
  METL: 'METAL',
  MOTR: 'MOTORS',
  MOVE: 'MOVEMENT',
  MUSC: 'MUSICAL',
  OBJ: 'OBJECTS',
  PAPR: 'PAPER',
  PLAS: 'PLASTIC',
  RAIN: 'RAIN',
  ROBO: 'ROBOTS',
  ROCK: 'ROCKS',
  ROPE: 'ROPE',
  SCI: 'SCIFI',
  SNOW: 'SNOW',
  SPRT: 'SPORTS',
  SWSH: 'SWOOSHES',
  TOOL: 'TOOLS',
  TOON: 'CARTOON',
  TOY: 'TOYS',
  TRAIN: 'TRAINS',
  UI: 'USER INTERFACE',
  VEH: 'VEHICLES',
  VOX: 'VOICES',
  WATR: 'WATER',
  WEAP: 'WEAPONS',
  WHSH: 'WHOOSHES',
  WIND: 'WIND',
  WING: 'WINGS',
  WNDW: 'WINDOWS',
  WOOD: 'WOOD',
  WTHR: 'WEATHER',
};

export interface Ucs {
  catId: string;
  category: string;
  subcategory: string;
  /** The FXName part, spaces for its separators: words for the keyword search. */
  fxName: string | null;
}

const CAT_ID = /^([A-Z]{2,8})([A-Z][a-z][A-Za-z0-9]*)$/;

/** A CatID's category abbreviation and subcategory part, or null when `s` is not shaped like one. */
export function splitCatId(s: string): { prefix: string; sub: string } | null {
  const m = CAT_ID.exec(s);
  if (!m) return null;
  // The capital run backtracks so the subcategory starts with its capital: AMBForst → AMB + Forst.
  return { prefix: m[1], sub: m[2] };
}

/** UCS facts of a file from its name and embedded tags; null when neither carries a CatID. */
export function parseUcs(fileName: string, tags: EmbeddedTags = {}): Ucs | null {
  const stem = fileName.replace(/\.[^.]+$/, '');
  const parts = stem.split('_');
  const first = parts[0].split('-')[0];
  const fromName = parts.length >= 2 ? splitCatId(first) : null;
  const fromTag = tags.catId ? splitCatId(tags.catId.trim()) : null;
  const id = fromTag ?? fromName;
  if (!id && !tags.category) return null;
  const prefix = id?.prefix ?? '';
  const category = (tags.category ?? UCS_CATEGORIES[prefix] ?? prefix).toUpperCase();
  const subcategory = (tags.subcategory ?? id?.sub ?? '').toUpperCase();
  const fxName = fromName && parts.length >= 2 ? parts[1].replace(/[-.]+/g, ' ').trim() || null : null;
  return { catId: id ? `${id.prefix}${id.sub}` : (tags.catId ?? category), category, subcategory, fxName };
}
