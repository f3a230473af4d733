import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "policies/node_modules/**", "examples/**/node_modules/**", "tmp/**", "**/*.js", "**/*.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Pulumi programs load target modules lazily with require(); each use says why.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "@typescript-eslint/no-explicit-any": "error",
        },
    },
    {
        // Resources are created for their side effects (`new k8s...(...)` registers them).
        files: ["targets/**/*.ts", "components/**/*.ts", "policies/index.ts"],
        rules: { "no-new": "off" },
    },
);
