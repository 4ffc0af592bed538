// Tinybird's template language (spec §8): lexer → AST → evaluator, rendering ClickHouse SQL as Tinybird does.
export { isTemplate, renderTemplate, validateTemplate, prepareTemplate } from './render-template.ts';
export type { RenderOptions, RenderResult, TemplateValue } from './render-template.ts';
export { templateParameters } from './template-parameters.ts';
export type { ParamMeta, MetaValue } from './template-parameters.ts';
export { templateWarnings } from './template-warnings.ts';
export {
  RESERVED_PARAM_NAMES, PIPE_API_PARAMS, SQL_API_PARAMS, reservedNameWarning, templateVariablesFromParams,
} from './params.ts';
export type { RawParams } from './params.ts';
