
»


service.name

checkoutš

loggerZ	@¢[=Aê	INFO*"
 {"message":"paid","amount":12.5}2
nJ@bí99SZ­¤+©bğìRâÀÖÔMŒŠ2error* 2


structured2


codeYÀ&z=Aê