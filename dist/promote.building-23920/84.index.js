export const id = 84;
export const ids = [84];
export const modules = {

/***/ 8084:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ClientWithPlugins: () => (/* binding */ ClientWithPlugins),
/* harmony export */   getOctokitOptions: () => (/* reexport safe */ _actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_0__.EG)
/* harmony export */ });
/* harmony import */ var _actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5250);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6856);
/**
 * `@actions/github`'s client with the retry and throttling plugins, in a module of its own so that
 * ./octokit.ts can load it on first use (the bundler makes it a chunk beside index.js).
 */



const ClientWithPlugins = _actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_0__/* .GitHub */ .gq.plugin(_octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_1__/* .retry */ .L, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_2__/* .throttling */ .A);



/***/ })

};
