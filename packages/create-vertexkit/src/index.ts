/**
 * `create-vertexkit`: `npm create vertexkit my-app -- --template train|serve|translate|train-python` writes a
 * standalone project from one of vertexkit's sample apps. The same as a function: {@link scaffoldProject}.
 * @packageDocumentation
 */
export { scaffoldProject, type ScaffoldProjectParams, type ScaffoldResult } from './lib/scaffold-project.js';
export { listTemplates, readTemplate, TEMPLATE_NAMES, type TemplateManifest, type TemplateName } from './lib/templates.js';
export { validateProjectName, type ProjectNames } from './lib/validate-project-name.js';
export { CreateVertexkitError, type CreateVertexkitErrorCode } from './lib/create-vertexkit-error.js';
export type { DeployTarget } from './lib/render-project-files.js';
