export { translateSql, splitFormat, referencedTables } from './translate-sql.ts';
export { FUNCTION_LIBRARY } from './function-library.ts';
export { duckdbType, clickhouseType, unwrapType, splitTypeArgs } from './types.ts';
