// A subset of the CSS variables VS Code puts on a webview's <html> for its built-in Dark Modern, Light Modern
// and High Contrast themes (values from those themes), plus the body class VS Code sets. The views must look
// right with nothing but these.
export type ThemeName = 'dark' | 'light' | 'hc';

const common = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  '--vscode-editor-font-size': '13px',
};

export const themes: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      ...common,
      '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-errorForeground': '#f85149',
      '--vscode-editor-background': '#1f1f1f', '--vscode-panel-border': '#2b2b2b', '--vscode-focusBorder': '#0078d4',
      '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-activeSelectionForeground': '#ffffff',
      '--vscode-editorWidget-border': '#313131', '--vscode-textLink-foreground': '#4daafc', '--vscode-editorWarning-foreground': '#cca700',
      '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-border': '#ffffff12',
      '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c', '--vscode-input-placeholderForeground': '#989898',
      '--vscode-settings-checkboxBackground': '#313131', '--vscode-settings-checkboxBorder': '#3c3c3c', '--vscode-checkbox-background': '#313131', '--vscode-checkbox-border': '#3c3c3c',
      '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#f8f8f8', '--vscode-symbolIcon-functionForeground': '#b180d7',
      '--vscode-editorLineNumber-foreground': '#6e7681', '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185',
      '--vscode-sideBar-background': '#181818', '--vscode-settings-textInputBackground': '#313131', '--vscode-settings-textInputForeground': '#cccccc', '--vscode-settings-textInputBorder': '#3c3c3c', '--vscode-panel-background': '#181818', '--vscode-settings-headerBorder': '#2b2b2b', '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-tab-activeBorderTop': '#0078d4', '--vscode-panelTitle-activeBorder': '#0078d4', '--vscode-panelTitle-activeForeground': '#e7e7e7', '--vscode-panelTitle-inactiveForeground': '#9d9d9d',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      ...common,
      '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#3b3b3b', '--vscode-errorForeground': '#f85149',
      '--vscode-editor-background': '#ffffff', '--vscode-panel-border': '#e5e5e5', '--vscode-focusBorder': '#005fb8',
      '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-list-activeSelectionBackground': '#e8e8e8', '--vscode-list-activeSelectionForeground': '#000000',
      '--vscode-editorWidget-border': '#e5e5e5', '--vscode-textLink-foreground': '#005fb8', '--vscode-editorWarning-foreground': '#bf8803',
      '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-border': '#0000001a',
      '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-input-placeholderForeground': '#767676',
      '--vscode-settings-checkboxBackground': '#f8f8f8', '--vscode-settings-checkboxBorder': '#cecece', '--vscode-checkbox-background': '#f8f8f8', '--vscode-checkbox-border': '#cecece',
      '--vscode-badge-background': '#cccccc', '--vscode-badge-foreground': '#3b3b3b', '--vscode-symbolIcon-functionForeground': '#652d90',
      '--vscode-editorLineNumber-foreground': '#6e7681', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34',
      '--vscode-sideBar-background': '#f8f8f8', '--vscode-settings-textInputBackground': '#ffffff', '--vscode-settings-textInputForeground': '#3b3b3b', '--vscode-settings-textInputBorder': '#cecece', '--vscode-panel-background': '#f8f8f8', '--vscode-settings-headerBorder': '#e5e5e5', '--vscode-button-secondaryHoverBackground': '#cccccc', '--vscode-tab-activeBorderTop': '#005fb8', '--vscode-panelTitle-activeBorder': '#005fb8', '--vscode-panelTitle-activeForeground': '#3b3b3b', '--vscode-panelTitle-inactiveForeground': '#3b3b3b',
    },
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      ...common,
      '--vscode-foreground': '#ffffff', '--vscode-descriptionForeground': '#ffffff', '--vscode-errorForeground': '#f48771',
      '--vscode-editor-background': '#000000', '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518', '--vscode-focusBorder': '#f38518',
      '--vscode-panel-border': '#6fc3df', '--vscode-editorWidget-border': '#6fc3df', '--vscode-textLink-foreground': '#21a6ff', '--vscode-editorWarning-foreground': '#fff500',
      '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-border': '#6fc3df',
      '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185',
      '--vscode-settings-textInputBackground': '#000000', '--vscode-settings-textInputForeground': '#ffffff', '--vscode-settings-textInputBorder': '#6fc3df', '--vscode-panel-background': '#000000', '--vscode-settings-headerBorder': '#6fc3df',
    },
  },
};
