import type { Dictionary } from "./en";

/** Spanish. Typed as `Dictionary`, so a missing or extra key is a compile error. */
export const es: Dictionary = {
  "app.name": "Millrace",
  "app.tagline": "Centro de datos para cartelería",

  "shell.skipToContent": "Saltar al contenido",
  "shell.mainNav": "Principal",
  "shell.signOut": "Cerrar sesión",

  "language.label": "Idioma",
  "language.name.en": "English",
  "language.name.es": "Español",

  "page.status": "Estado",

  "status.title": "Estado",
  "status.intro": "Qué ejecuta este hub y dónde se puede acceder a él.",
  "status.loading": "Cargando el estado…",
  "status.lastUpdated": "Actualizado {time}. Se actualiza cada 5 segundos.",
  "status.errorTitle": "No se puede mostrar el estado",
  "status.staleTitle": "No se pudo actualizar el estado",
  "status.staleNote": "Se muestra el último estado recibido, de {time}.",
  "status.retry": "Reintentar",
  "status.retrying": "Reintentando…",

  "hub.heading": "Hub",
  "hub.version": "Versión",
  "hub.startedAt": "Iniciado",
  "hub.uptime": "Tiempo en marcha",

  "listeners.heading": "Puntos de escucha",
  "listeners.intro": "El hub responde en tres direcciones separadas, cada una para un tipo de visitante.",
  "listener.address": "Dirección",
  "listener.url": "URL",
  "listener.reach.local": "Solo este equipo",
  "listener.reach.lan": "Red local",
  "listener.admin.name": "Administración",
  "listener.admin.purpose":
    "Esta interfaz de administración y su API. Solo acepta conexiones desde este equipo (loopback), así que nadie más en la red puede acceder.",
  "listener.player.name": "Reproductores",
  "listener.player.purpose": "Donde los carteles obtienen sus datos.",
  "listener.player.lan": "Accesible desde la red local, así que los carteles de tu red pueden conectarse.",
  "listener.player.local":
    "Solo accesible desde este equipo; los carteles de otros dispositivos no pueden conectarse hasta que se active el acceso desde la red local.",
  "listener.hooks.name": "Webhooks",
  "listener.hooks.purpose":
    "Recibe los webhooks que envían servicios de terceros. Solo acepta conexiones desde este equipo; desde internet solo se llega a través del túnel, si hay uno configurado.",

  "keystore.heading": "Almacén de claves",
  "keystore.intro": "Dónde se guarda la clave maestra que cifra tus credenciales.",
  "keystore.kind": "Tipo",
  "keystore.kind.keyring": "Llavero del sistema",
  "keystore.kind.file": "Archivo de clave",
  "keystore.kind.memory": "En memoria",
  "keystore.kind.unknown": "Desconocido ({kind})",
  "keystore.description": "Detalles",
  "keystore.warningTitle": "Advertencia",

  "storage.heading": "Almacenamiento",
  "storage.dataDir": "Directorio de datos",
  "storage.database": "Base de datos",

  "duration.days": "{n} d",
  "duration.hours": "{n} h",
  "duration.minutes": "{n} min",
  "duration.seconds": "{n} s",

  "error.network": "No se pudo contactar con el hub. Comprueba que Millrace sigue en marcha.",
  "error.unauthorized": "El hub no aceptó el token de administración.",
  "error.forbidden": "El hub rechazó esta solicitud.",
  "error.not_found": "El hub no conoce esta dirección.",
  "error.bad_request": "El hub no pudo entender esta solicitud.",
  "error.validation": "Algunos campos no son válidos; consulta los mensajes junto a ellos.",
  "error.conflict": "Esto entra en conflicto con algo que ya existe.",
  "error.rate_limited": "Demasiadas solicitudes; espera un momento y vuelve a intentarlo.",
  "error.server_error": "El hub tuvo un error interno; su registro tiene los detalles.",
  "error.bad_response": "El hub envió una respuesta que esta página no pudo leer.",
  "error.other": "El hub respondió con un error: {message}",

  "signin.title": "Sesión no iniciada",
  "signin.expired": "Tu sesión ya no es válida (puede que el hub tenga un nuevo token de administración).",
  "signin.signedOut": "Has cerrado la sesión.",
  "signin.howTo": "Para abrir la interfaz de administración:",
  "signin.stepTerminal": "En la terminal donde se ejecuta el hub (millrace serve), busca la línea que empieza por «Open the admin UI:».",
  "signin.stepOpen": "Abre el enlace de esa línea en este navegador. Inicia la sesión para esta pestaña.",
  "signin.desktop": "¿Usas la aplicación de escritorio de Millrace? Su ventana inicia la sesión por sí sola.",
  "signin.tokenFile": "El token de administración también se guarda en el archivo admin-token dentro del directorio de datos del hub.",
};
