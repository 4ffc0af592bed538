export { translateSql, translateSqlWithTotals, splitFormat, referencedTables, resultTimeZones, type TranslateOptions } from './translate-sql.ts';
export { FUNCTION_LIBRARY } from './function-library.ts';
export { duckdbType, clickhouseType, unwrapType, splitTypeArgs } from './types.ts';
export { rephraseDuckdbError, clickhouseErrorOf, type ClickhouseError } from './rephrase-duckdb-error.ts';
export { cityHash64, cityHash64Bytes, cityHashArgOf, type CityHashArg } from './city-hash.ts';
