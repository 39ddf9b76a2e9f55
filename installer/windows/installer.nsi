; Windows installer of the counter program (NSIS 3). Compiled by installer/build_installer.py,
; which passes the defines below from pyproject.toml and the bundle's folder:
;   APP_NAME      the project's name (counter-app): the program's files and install folder
;   APP_TITLE     what people read (Quầy Một Cửa): shortcuts, Apps & features
;   APP_VERSION   the version (0.1.0), VERSION4 the same in four numbers (0.1.0.0)
;   BUNDLE_DIR    the one-folder bundle that installer/build.py made on Windows
;   OUT_FILE      the installer to write
;
; Per-user install by default (no administrator needed; %LOCALAPPDATA%\Programs\counter-app),
; per-machine as an option (Program Files; asks for administrator rights): on the
; install-mode page, or `/AllUsers` or `/CurrentUser` with `/S` for a silent install.
; The uninstaller removes the program's files, shortcuts and its Apps & features entry and
; never the data directory (%LOCALAPPDATA%\counter-app of each user, or the folder set with
; COUNTER_APP_DATA_DIR): dossiers, scanned pages, logs, keys and backup settings stay.

Unicode true
!ifndef APP_NAME | APP_TITLE | APP_VERSION | VERSION4 | BUNDLE_DIR | OUT_FILE
  !error "compile with installer/build_installer.py (it passes APP_NAME, APP_VERSION...)"
!endif

!define GUI_EXE "${APP_NAME}-gui.exe"
!define CLI_EXE "${APP_NAME}.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_NAME}"
!define INSTDIR_KEY "Software\${APP_NAME}"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP_NAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${INSTDIR_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallDir"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${INSTDIR_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallMode"
!include MultiUser.nsh
!include MUI2.nsh
!include LogicLib.nsh
!include x64.nsh

Name "${APP_TITLE} ${APP_VERSION}"
OutFile "${OUT_FILE}"
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION4}"
VIAddVersionKey "ProductName" "${APP_TITLE}"
VIAddVersionKey "ProductVersion" "${APP_VERSION}"
VIAddVersionKey "FileVersion" "${APP_VERSION}"
VIAddVersionKey "FileDescription" "${APP_TITLE} ${APP_VERSION}"
VIAddVersionKey "LegalCopyright" "MIT"

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_TITLE} needs 64-bit Windows 10 or 11."
    Abort
  ${EndIf}
  !insertmacro MULTIUSER_INIT
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

; Never into a data directory: the uninstaller would then share its folder with the data.
Function .onVerifyInstDir
  ${If} ${FileExists} "$INSTDIR\counter.sqlite3"
  ${OrIf} ${FileExists} "$INSTDIR\config.json"
    Abort
  ${EndIf}
FunctionEnd

Section "${APP_TITLE}" SectionProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An update replaces the program's files whole: files of the old version must not linger.
  RMDir /r "$INSTDIR\_internal"
  File "${BUNDLE_DIR}\${CLI_EXE}"
  File "${BUNDLE_DIR}\${GUI_EXE}"
  File /r "${BUNDLE_DIR}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_TITLE}.lnk" "$INSTDIR\${GUI_EXE}"
  CreateShortcut "$DESKTOP\${APP_TITLE}.lnk" "$INSTDIR\${GUI_EXE}"

  WriteRegStr SHCTX "${INSTDIR_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr SHCTX "${INSTDIR_KEY}" "InstallMode" "$MultiUser.InstallMode"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_TITLE}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${APP_VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "${APP_TITLE}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ; The program's own files only, named one by one: never the data directory, which is
  ; elsewhere (%LOCALAPPDATA%\counter-app) and kept for the next install or a backup.
  Delete "$SMPROGRAMS\${APP_TITLE}.lnk"
  Delete "$DESKTOP\${APP_TITLE}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\${GUI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"  ; only if empty
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  DeleteRegKey SHCTX "${INSTDIR_KEY}"
SectionEnd
